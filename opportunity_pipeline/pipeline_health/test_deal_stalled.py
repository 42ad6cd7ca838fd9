"""The Stalled flag on Frappe CRM's deals, from its status change log (skipped where Frappe CRM is not
installed)."""

import unittest
from datetime import datetime, timedelta

import frappe
from frappe.utils import add_months, get_first_day, get_last_day, today

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.opportunity_pipeline.report.opportunity_pipeline_forecast.opportunity_pipeline_forecast import (
	execute as forecast,
)
from opportunity_pipeline.pipeline_health.deals import refresh_daily, refresh_status
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import deal_status_of_type, make_deal_status


@unittest.skipUnless(frappe_crm.installed(), "Frappe CRM is not installed on this site")
class TestDealStalled(IntegrationTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		self.slow = make_deal_status("_OP Slow", "Ongoing")
		self.fast = make_deal_status("_OP Fast", "Ongoing")
		self.held = make_deal_status("_OP Held", "On Hold")
		for status, days in ((self.slow, 3), (self.fast, 0), (self.held, 3)):
			frappe.db.set_value("CRM Deal Status", status, "stalled_after_days", days)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def deal(self, status, days_in_status, **values):
		"""A deal in `status` for that many days, as Frappe CRM's status change log says."""
		deal = frappe.get_doc({"doctype": "CRM Deal", "status": status, **values}).insert()
		log = frappe.qb.DocType("CRM Status Change Log")
		frappe.qb.update(log).set(
			log.from_date, datetime.now() - timedelta(days=days_in_status, hours=1)
		).where((log.parent == deal.name) & (log.to.isnull() | (log.to == ""))).run()
		return deal

	def stalled(self, deal) -> int:
		return frappe.db.get_value("CRM Deal", deal.name, "is_stalled")

	def test_longer_than_its_status_days_in_it_is_stalled(self):
		stalled, recent = self.deal(self.slow, 5), self.deal(self.slow, 2)
		never = self.deal(self.fast, 50)
		refresh_daily()
		self.assertEqual([self.stalled(deal) for deal in (stalled, recent, never)], [1, 0, 0])

	def test_on_hold_and_finished_deals_are_never_stalled(self):
		held = self.deal(self.held, 50)
		lost = self.deal(self.slow, 50)
		frappe.db.set_value("CRM Deal", lost.name, "status", deal_status_of_type("Lost"))
		refresh_daily()
		self.assertEqual([self.stalled(held), self.stalled(lost)], [0, 0])

	def test_a_new_status_starts_a_new_stay(self):
		deal = self.deal(self.slow, 5)
		refresh_daily()
		deal.reload()
		deal.status = self.fast
		deal.save()
		self.assertEqual((deal.is_stalled, self.stalled(deal)), (0, 0))
		deal.status = self.slow
		deal.save()
		self.assertEqual(self.stalled(deal), 0)

	def test_a_lost_deal_is_unstalled_by_its_save(self):
		deal = self.deal(self.slow, 5)
		refresh_daily()
		deal.reload()
		deal.status, deal.lost_reason = deal_status_of_type("Lost"), "Unresponsive Prospect"
		deal.save()
		self.assertEqual(self.stalled(deal), 0)

	def test_a_status_s_new_days_apply_to_its_deals(self):
		deal = self.deal(self.fast, 5)
		refresh_daily()
		self.assertEqual(self.stalled(deal), 0)
		frappe.db.set_value("CRM Deal Status", self.fast, "stalled_after_days", 2)
		refresh_status(self.fast)
		self.assertEqual(self.stalled(deal), 1)

	def test_a_client_cannot_set_the_flag(self):
		deal = self.deal(self.fast, 1)
		deal.reload()
		deal.is_stalled = 1
		deal.next_step = "Call back"
		deal.save()
		self.assertEqual(self.stalled(deal), 0)

	def test_the_forecast_leaves_stalled_deals_out_or_apart(self):
		closing = get_first_day(add_months(today(), 1))
		for status in (self.slow, self.fast):
			deal = self.deal(status, 5)
			frappe.db.set_value(
				"CRM Deal",
				deal.name,
				{"deal_value": 400, "exchange_rate": 1, "probability": 50, "expected_closure_date": closing},
			)
		refresh_daily()
		filters = {
			"company": frappe.defaults.get_global_default("company"),
			"document_type": "CRM Deal",
			"group_by": "Sales Stage",
			"from_date": closing,
			"to_date": get_last_day(closing),
		}
		counts = {}
		for stalled in ("Include", "Leave Out", "Show Apart"):
			_columns, rows, *_rest = forecast({**filters, "stalled": stalled})
			counts[stalled] = {
				row["group"]: (row.get("count") or 0, row.get("stalled_count") or 0)
				for row in rows
				if row["group"].startswith("_OP")
			}
		self.assertEqual(counts["Include"], {self.slow: (1, 0), self.fast: (1, 0)})
		self.assertEqual(counts["Leave Out"], {self.fast: (1, 0)})
		self.assertEqual(counts["Show Apart"], {self.slow: (0, 1), self.fast: (1, 0)})
