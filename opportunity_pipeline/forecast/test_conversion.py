"""Converted On: when an opportunity was won, and the patch that dates past wins."""

import frappe
from frappe.utils import add_days, get_datetime, now_datetime

from opportunity_pipeline.patches.v15_0 import fill_converted_on
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import make_opportunity


class TestConvertedOn(IntegrationTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def test_conversion_is_dated_and_forgotten_on_reopening(self):
		opportunity = make_opportunity()
		opportunity.db_set("status", "Converted")  # as ERPNext's Sales Order does
		self.assertTrue(frappe.db.get_value("Opportunity", opportunity.name, "converted_on"))
		opportunity.reload()
		opportunity.db_set("status", "Open")
		self.assertIsNone(frappe.db.get_value("Opportunity", opportunity.name, "converted_on"))

	def test_the_patch_dates_old_wins_from_their_last_change(self):
		opportunity = make_opportunity()
		won_at = add_days(now_datetime(), -12).replace(microsecond=0)
		frappe.db.set_value(
			"Opportunity",
			opportunity.name,
			{"status": "Converted", "converted_on": None, "modified": won_at},
			update_modified=False,
		)
		fill_converted_on.execute()
		self.assertEqual(
			get_datetime(frappe.db.get_value("Opportunity", opportunity.name, "converted_on")), won_at
		)
