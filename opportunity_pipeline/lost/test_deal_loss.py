"""When and by whom a Frappe CRM deal was lost: dated as an opportunity's loss is, whichever way its status
changes, and the deals lost before dated from Frappe CRM's status change log (skipped where Frappe CRM is
not installed)."""

import unittest

import frappe
from frappe.utils import get_datetime, now_datetime

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.document_types import status_log_clock_offset
from opportunity_pipeline.lost.deal_losses import date_past_losses
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import deal_status_of_type, make_user

REASON = "_OP Deal Went Quiet"


@unittest.skipUnless(frappe_crm.installed(), "Frappe CRM is not installed on this site")
class TestDealLoss(IntegrationTestCase):
	def setUp(self):
		self.open, self.lost = deal_status_of_type("Open"), deal_status_of_type("Lost")
		if not frappe.db.exists("CRM Lost Reason", REASON):
			frappe.get_doc({"doctype": "CRM Lost Reason", "lost_reason": REASON}).insert()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def deal(self, **values):
		return frappe.get_doc({"doctype": "CRM Deal", "status": self.open, **values}).insert()

	def stored(self, deal):
		return frappe.db.get_value("CRM Deal", deal.name, ["lost_date", "lost_by"])

	def test_a_deal_lost_by_its_save_is_dated_until_it_is_reopened(self):
		deal = self.deal()
		self.assertEqual(self.stored(deal), (None, None))
		before = now_datetime().replace(microsecond=0)
		deal.update({"status": self.lost, "lost_reason": REASON})
		deal.save()
		lost_date, lost_by = self.stored(deal)
		self.assertGreaterEqual(get_datetime(lost_date), before)
		self.assertEqual(lost_by, "Administrator")

		deal.lost_notes = "Still lost, a note added"
		deal.save()
		self.assertEqual(self.stored(deal), (lost_date, lost_by))

		deal.status = self.open
		deal.save()
		self.assertEqual(self.stored(deal), (None, None))

	def test_a_client_cannot_date_a_loss(self):
		seller = make_user("op-deal-loss-seller@example.com", roles=("Sales User",))
		forged = {"lost_date": "2020-01-01 00:00:00", "lost_by": seller}
		deal = self.deal(**forged)
		self.assertEqual(self.stored(deal), (None, None))
		deal.update({"status": self.lost, "lost_reason": REASON, **forged})
		deal.save()
		lost_date, lost_by = self.stored(deal)
		self.assertEqual(get_datetime(lost_date).date(), now_datetime().date())
		self.assertEqual(lost_by, "Administrator")

	def test_a_status_set_without_a_save_is_dated_too(self):
		"""Frappe CRM's own code sets a deal's status with db_set in places."""
		deal = self.deal(lost_reason=REASON)
		deal.db_set("status", self.lost)
		self.assertTrue(self.stored(deal)[0])
		deal.db_set("status", self.open)
		self.assertEqual(self.stored(deal), (None, None))

	def test_deals_lost_before_are_dated_from_their_status_log(self):
		"""Install, Frappe CRM installed later, and the patch: the loss's open stay in the log, on the
		site's clock, and who made it; without one, the deal's last change; a dated loss is kept."""
		ann = make_user("op-deal-loss-ann@example.com", roles=("Sales User",))
		logged, unlogged, dated, still_open = (self.deal() for _ in range(4))
		for deal in (logged, unlogged, dated):
			frappe.db.delete("CRM Status Change Log", {"parent": deal.name})
			frappe.db.set_value(
				"CRM Deal",
				deal.name,
				{
					"status": self.lost,
					"lost_reason": REASON,
					"lost_date": "2024-01-05 12:00:00" if deal is dated else None,
					"modified": "2025-02-01 08:00:00",
				},
				update_modified=False,
			)
		frappe.get_doc(
			{
				"doctype": "CRM Status Change Log",
				"parent": logged.name,
				"parenttype": "CRM Deal",
				"parentfield": "status_change_log",
				"idx": 1,
				"from": self.lost,
				"from_type": "Lost",
				"from_date": "2025-03-04 09:00:00",
				"log_owner": ann,
			}
		).db_insert()

		date_past_losses()

		self.assertEqual(
			self.stored(logged), (get_datetime("2025-03-04 09:00:00") + status_log_clock_offset(), ann)
		)
		self.assertEqual(self.stored(unlogged), (get_datetime("2025-02-01 08:00:00"), None))
		self.assertEqual(self.stored(dated), (get_datetime("2024-01-05 12:00:00"), None))
		self.assertEqual(self.stored(still_open), (None, None))
