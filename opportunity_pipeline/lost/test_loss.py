import json

import frappe
from frappe.model.rename_doc import rename_doc
from frappe.utils import add_days, get_datetime, now_datetime

from opportunity_pipeline.api import declare_lost, make_quotation
from opportunity_pipeline.patches.v15_0 import fill_lost_date
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import (
	in_days,
	make_competitor,
	make_item,
	make_opportunity,
	make_reason,
	make_user,
)


class TestLoss(IntegrationTestCase):
	def setUp(self):
		self.price = make_reason("_OP Price", category="Price")
		self.old = make_reason("_OP Retired reason", disabled=1)
		self.rival = make_competitor()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def test_a_reason_is_required_and_nothing_changes_without_one(self):
		opportunity = make_opportunity()
		self.assertRaises(frappe.ValidationError, declare_lost, opportunity.name, [])
		opportunity.status = "Lost"
		self.assertRaises(frappe.ValidationError, opportunity.save)
		self.assertEqual(frappe.db.get_value("Opportunity", opportunity.name, "status"), "Open")

	def test_a_disabled_reason_cannot_be_chosen(self):
		opportunity = make_opportunity()
		self.assertRaises(frappe.ValidationError, declare_lost, opportunity.name, [self.old])
		self.assertEqual(frappe.db.get_value("Opportunity", opportunity.name, "status"), "Open")

	def test_a_loss_records_when_who_reasons_competitors_and_closes_the_follow_up(self):
		seller = make_user("op-loser@example.com", roles=("Sales User",))
		opportunity = make_opportunity(contact_by=seller, contact_date=in_days(2))
		before = now_datetime()
		with self.set_user(seller):
			result = declare_lost(opportunity.name, [self.price], [self.rival], "Too expensive")

		opportunity.reload()
		self.assertEqual(result["status"], "Lost")
		self.assertEqual([row.lost_reason for row in opportunity.lost_reasons], [self.price])
		self.assertEqual([row.competitor for row in opportunity.competitors], [self.rival])
		self.assertEqual(opportunity.order_lost_reason, "Too expensive")
		self.assertEqual(opportunity.lost_by, seller)
		self.assertGreaterEqual(get_datetime(opportunity.lost_date), before.replace(microsecond=0))
		self.assertEqual(frappe.db.get_value("Event", opportunity.follow_up_event, "status"), "Closed")

	def test_a_reason_given_twice_is_kept_once(self):
		opportunity = make_opportunity()
		declare_lost(opportunity.name, [self.price, self.price])
		rows = frappe.get_all(
			"Opportunity Lost Reason Detail",
			filters={"parent": opportunity.name, "parenttype": "Opportunity"},
			fields=["lost_reason", "idx"],
		)
		self.assertEqual([(row.lost_reason, row.idx) for row in rows], [(self.price, 1)])

	def test_an_active_quotation_blocks_the_loss(self):
		opportunity = make_opportunity()
		quotation = make_quotation(opportunity.name)
		quotation.append("items", {"item_code": make_item(), "qty": 1, "rate": 10, "uom": "Nos"})
		quotation.insert()
		quotation.submit()
		self.assertRaises(frappe.ValidationError, declare_lost, opportunity.name, [self.price])

	def test_reopening_clears_the_current_loss_and_the_history_keeps_it(self):
		opportunity = make_opportunity()
		declare_lost(opportunity.name, [self.price], [self.rival], "Too expensive")
		opportunity.reload()
		opportunity.status = "Open"
		opportunity.save(ignore_version=False)

		opportunity.reload()
		self.assertEqual(
			(opportunity.lost_reasons, opportunity.competitors, opportunity.lost_date, opportunity.lost_by),
			([], [], None, None),
		)
		versions = frappe.get_all(
			"Version", filters={"ref_doctype": "Opportunity", "docname": opportunity.name}, pluck="data"
		)
		removed = [row for data in versions for row in json.loads(data).get("removed", [])]
		self.assertTrue(
			any(row[0] == "lost_reasons" and row[1]["lost_reason"] == self.price for row in removed)
		)

	def test_a_reason_in_use_cannot_be_deleted_and_renaming_follows_everywhere(self):
		opportunity = make_opportunity()
		declare_lost(opportunity.name, [self.price])
		self.assertRaises(frappe.LinkExistsError, frappe.delete_doc, "Opportunity Lost Reason", self.price)

		rename_doc("Opportunity Lost Reason", self.price, "_OP Pricing", force=True)
		opportunity.reload()
		self.assertEqual([row.lost_reason for row in opportunity.lost_reasons], ["_OP Pricing"])

	def test_the_patch_dates_old_losses_from_history_or_last_change(self):
		with_history, without = make_opportunity(), make_opportunity()
		lost_at = add_days(now_datetime(), -30).replace(microsecond=0)
		for opportunity in (with_history, without):
			frappe.db.set_value(
				"Opportunity",
				opportunity.name,
				{
					"status": "Lost",
					"lost_date": None,
					"lost_by": None,
					"creation": add_days(now_datetime(), -60),  # before its Version: its own
					"modified": add_days(now_datetime(), -5),
				},
				update_modified=False,
			)
		version = frappe.get_doc(
			{
				"doctype": "Version",
				"ref_doctype": "Opportunity",
				"docname": with_history.name,
				"data": json.dumps({"changed": [["status", "Open", "Lost"]], "added": [], "removed": []}),
			}
		).insert(ignore_permissions=True)
		frappe.db.set_value(
			"Version",
			version.name,
			{"creation": lost_at, "owner": "op-old@example.com"},
			update_modified=False,
		)

		fill_lost_date.execute()

		self.assertEqual(
			frappe.db.get_value("Opportunity", with_history.name, ["lost_date", "lost_by"]),
			(lost_at, "op-old@example.com"),
		)
		self.assertEqual(
			get_datetime(frappe.db.get_value("Opportunity", without.name, "lost_date")),
			get_datetime(frappe.db.get_value("Opportunity", without.name, "modified")),
		)
