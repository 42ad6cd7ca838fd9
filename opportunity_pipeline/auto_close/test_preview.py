"""The auto-close preview: what the settings (saved or on screen) would close, for System Managers only."""

from unittest.mock import patch

import frappe

from opportunity_pipeline.api import preview_auto_close, run_auto_close
from opportunity_pipeline.auto_close import preview
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import (
	make_stale_opportunity,
	make_user,
	set_auto_close,
)
from opportunity_pipeline.tests.factories import opportunity_status as status


class TestAutoClosePreview(IntegrationTestCase):
	def setUp(self):
		set_auto_close(days=10)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def test_preview_counts_unsaved_settings(self):
		quoted = make_stale_opportunity(status="Quotation")
		saved = preview_auto_close()
		on_screen = preview_auto_close(days=10, statuses='["Quotation"]')
		self.assertNotIn(quoted, {row.name for row in saved["opportunities"]})
		self.assertIn(quoted, {row.name for row in on_screen["opportunities"]})
		self.assertGreaterEqual(on_screen["count"], 1)
		self.assertEqual(status(quoted), "Quotation")

	def test_preview_lists_what_would_close_and_closes_nothing(self):
		stale, fresh = make_stale_opportunity(), make_stale_opportunity(days_idle=2)
		listed = {row.name: row for row in preview_auto_close()["opportunities"]}
		self.assertIn(stale, listed)
		self.assertNotIn(fresh, listed)
		self.assertEqual(status(stale), "Open")

	def test_the_count_stops_at_its_limit_and_says_there_are_more(self):
		make_stale_opportunity(), make_stale_opportunity()
		with patch.object(preview, "COUNT_LIMIT", 1):
			answer = preview_auto_close(limit=1)
		self.assertEqual((answer["count"], answer["more"], len(answer["opportunities"])), (1, True, 1))
		answer = preview_auto_close()
		self.assertGreaterEqual(answer["count"], 2)
		self.assertFalse(answer["more"])

	def test_only_system_managers_preview_or_run(self):
		seller = make_user("op-seller@example.com", roles=("Sales Manager", "Sales User"))
		with self.set_user(seller):
			self.assertRaises(frappe.PermissionError, preview_auto_close)
			self.assertRaises(frappe.PermissionError, run_auto_close)
