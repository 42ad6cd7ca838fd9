"""Auto-close settings: refused when they make no sense, and what install and uninstall do to them and to
ERPNext's own job."""

import unittest

import frappe

from opportunity_pipeline.auto_close.job import close_idle_opportunities
from opportunity_pipeline.auto_close.settings import (
	STOCK_JOB,
	closing_statuses,
	give_settings_their_tab,
	hand_back_to_erpnext,
	take_over_from_erpnext,
)
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import (
	make_stale_opportunity,
	set_auto_close,
)
from opportunity_pipeline.tests.factories import opportunity_status as status


class TestAutoCloseSettings(IntegrationTestCase):
	def setUp(self):
		set_auto_close(days=10)

	def tearDown(self):
		frappe.db.rollback()

	def test_bad_settings_are_refused_and_nothing_is_saved(self):
		before = frappe.db.get_single_value("Selling Settings", "close_opportunity_after_days")
		for days, statuses in (
			(-3, {"auto_close_open": 1}),
			(5, {"auto_close_open": 0, "auto_close_replied": 0, "auto_close_quotation": 0}),
		):
			settings = frappe.get_doc("Selling Settings")
			settings.update({"close_opportunity_after_days": days, **statuses})
			self.assertRaises(frappe.ValidationError, settings.save)
			self.assertEqual(
				frappe.db.get_single_value("Selling Settings", "close_opportunity_after_days"), before
			)

	def stock_job(self):
		return frappe.db.exists("Scheduled Job Type", {"method": STOCK_JOB})

	def reinstall(self, stock_job_stopped: int, crm_days):
		"""What uninstall then install do to the auto-close, on a site in the given state."""
		hand_back_to_erpnext()
		frappe.db.set_value("Scheduled Job Type", self.stock_job(), "stopped", stock_job_stopped)
		frappe.db.delete("Singles", {"doctype": "Selling Settings", "field": ("like", "%close%")})
		frappe.db.set_single_value("CRM Settings", "close_opportunity_after_days", crm_days)
		take_over_from_erpnext()

	def test_stock_erpnext_job_stopped_while_installed_and_put_back_as_it_was_on_uninstall(self):
		for was_stopped in (0, 1):
			with self.subTest(was_stopped=was_stopped):
				self.reinstall(was_stopped, 15)
				self.assertEqual(frappe.db.get_value("Scheduled Job Type", self.stock_job(), "stopped"), 1)
				hand_back_to_erpnext()  # what before_uninstall does
				self.assertEqual(
					frappe.db.get_value("Scheduled Job Type", self.stock_job(), "stopped"), was_stopped
				)

	def test_install_carries_over_what_erpnexts_job_did_and_nothing_more(self):
		for stopped, crm_days, expected_days in ((0, 21, 21), (0, 0, 15), (1, 21, 0)):
			with self.subTest(stock_job_stopped=stopped, crm_days=crm_days):
				self.reinstall(stopped, crm_days)
				self.assertEqual(
					frappe.db.get_single_value("Selling Settings", "close_opportunity_after_days"),
					expected_days,
				)
				self.assertEqual(closing_statuses(), ["Replied"])

	def test_installing_on_a_site_at_15_days_closes_no_open_opportunity(self):
		self.reinstall(0, 15)
		open_one, replied = (
			make_stale_opportunity(status="Open", days_idle=20),
			make_stale_opportunity(status="Replied", days_idle=20),
		)
		close_idle_opportunities(commit=False)
		self.assertEqual((status(open_one), status(replied)), ("Open", "Closed"))

	@unittest.skipUnless(frappe.__version__.startswith("15."), "Frappe 16's Selling Settings has tabs")
	def test_on_frappe_15_the_settings_get_no_tab_of_their_own(self):
		"""Frappe 15's Selling Settings has no tabs (Frappe 16's has: tests/test_framework_contract.py)."""
		give_settings_their_tab()
		self.assertFalse(frappe.db.exists("Custom Field", "Selling Settings-opportunities_tab"))
