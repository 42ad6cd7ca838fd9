"""The pipeline history of Frappe CRM's deals (skipped where Frappe CRM is not installed): each change of
a deal writes one row, as an opportunity's does, the pipeline as of a date reads them, and a deal and an
opportunity of one name keep their own rows, for every reader."""

import unittest

import frappe

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.api import opportunity_history, pipeline_as_of
from opportunity_pipeline.opportunity_pipeline.report.forecast_accuracy.forecast_accuracy import (
	execute as forecast_accuracy,
)
from opportunity_pipeline.opportunity_pipeline.report.pipeline_movement.pipeline_movement import (
	execute as pipeline_movement,
)
from opportunity_pipeline.pipeline_document import NO_COMPANY
from opportunity_pipeline.pipeline_history.record import STATE
from opportunity_pipeline.pipeline_history.test_as_of import COMPANY, HistoryTestCase, at
from opportunity_pipeline.tests.factories import (
	deal_status_of_type,
	make_crm_territory,
	make_deal_status,
	make_user,
)

RESTRICTED_USER = "op-deal-history-north@example.com"


def deal_history(
	name: str, fields=("status", "sales_stage", "amount", "company", "left_stage", "stage_days")
):
	return frappe.get_all(
		STATE,
		{"document_type": "CRM Deal", "opportunity": name, "deleted": 0},
		list(fields),
		order_by="valid_from asc, name asc",
	)


@unittest.skipUnless(frappe_crm.installed(), "Frappe CRM is not installed on this site")
class TestDealHistory(HistoryTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		self.open = deal_status_of_type("Open")
		self.ongoing = make_deal_status("_OP History Ongoing", "Ongoing", 13)
		self.lost = deal_status_of_type("Lost")
		self.north = make_crm_territory("_OP History North")
		self.south = make_crm_territory("_OP History South")

	def deal(self, day, name=None, **values):
		with self.freeze_time(at(day)):
			deal = frappe.get_doc({"doctype": "CRM Deal", "status": self.open, **values})
			return deal.insert(set_name=name) if name else deal.insert()

	def change(self, doc, day, **values):
		with self.freeze_time(at(day)):
			doc = frappe.get_doc(doc.doctype, doc.name)
			doc.update(values)
			doc.save()

	def test_each_change_of_a_deal_writes_one_row_and_the_as_of_pipeline_reads_them(self):
		deal = self.deal("2026-03-02", deal_value=1000, territory=self.north)
		self.change(deal, "2026-03-05", status=self.ongoing)
		self.change(deal, "2026-03-06")  # nothing changed: no row
		self.change(deal, "2026-03-09", status=self.lost, lost_reason="Unresponsive Prospect")
		self.assertEqual(
			[tuple(row.values()) for row in deal_history(deal.name)],
			[
				(self.open, self.open, 1000, NO_COMPANY, None, 0),
				(self.ongoing, self.ongoing, 1000, NO_COMPANY, self.open, 3),
				(self.lost, self.lost, 1000, NO_COMPANY, self.ongoing, 4),
			],
		)
		# Frappe CRM's own deals were recorded at the app's install, long after these dates.
		for day, count, amount in (("2026-03-01", 0, 0), ("2026-03-04", 1, 1000), ("2026-03-09", 0, 0)):
			answer = pipeline_as_of(day, document_type="CRM Deal")
			self.assertEqual((answer["count"], answer["amount"]), (count, amount), day)
		self.assertEqual(
			pipeline_as_of("2026-03-07", document_type="CRM Deal", group_by="sales_stage")["groups"][0][
				"key"
			],
			self.ongoing,
		)
		self.assertEqual(
			pipeline_as_of("2026-03-04", document_type="CRM Deal")["currency"],
			frappe.db.get_single_value("FCRM Settings", "currency") or None,
		)

	def test_a_deal_and_an_opportunity_of_one_name_keep_their_own_rows_for_every_reader(self):
		opportunity = self.opportunity("2026-03-02", opportunity_amount=300)
		deal = self.deal("2026-03-03", name=opportunity.name, deal_value=500, territory=self.south)
		self.assertEqual(deal.name, opportunity.name)
		self.assertEqual(len(deal_history(deal.name)), 1)
		self.assertEqual(opportunity_history(opportunity.name)["changes"], 1)
		self.assertEqual(pipeline_as_of("2026-03-04", COMPANY)["amount"], 300)
		self.assertEqual(pipeline_as_of("2026-03-04", document_type="CRM Deal")["amount"], 500)

		# Someone who reads the opportunity but not the deal (a User Permission on another CRM Territory).
		user = make_user(RESTRICTED_USER, roles=("Sales User",))
		frappe.get_doc(
			{"doctype": "User Permission", "user": user, "allow": "CRM Territory", "for_value": self.north}
		).insert(ignore_permissions=True)
		frappe.set_user(user)
		self.assertTrue(frappe.has_permission("Opportunity", doc=opportunity.name))
		self.assertFalse(frappe.has_permission("CRM Deal", doc=deal.name))
		listed = frappe.get_list(STATE, {"opportunity": opportunity.name}, pluck="document_type")
		self.assertEqual(listed, ["Opportunity"])
		deal_row = frappe.get_all(
			STATE, {"document_type": "CRM Deal", "opportunity": deal.name}, pluck="name"
		)[0]
		self.assertFalse(frappe.has_permission(STATE, doc=deal_row))
		self.assertEqual(pipeline_as_of("2026-03-04", document_type="CRM Deal")["count"], 0)
		self.assertEqual(pipeline_as_of("2026-03-04", COMPANY)["count"], 1)

		# Deleting the deal ends its rows only.
		frappe.set_user("Administrator")
		frappe.delete_doc("CRM Deal", deal.name)
		self.assertEqual(deal_history(deal.name), [])
		self.assertEqual(opportunity_history(opportunity.name)["changes"], 1)

	def test_pipeline_movement_reads_the_deals_history(self):
		"""A (1000) open from the 2nd and Ongoing from the 5th; B (500) from the 3rd, lost on the 9th;
		C (200) from the 8th. From the 4th to the 10th: 1500 opening, C new, B lost, 1200 closing."""
		a = self.deal("2026-03-02", deal_value=1000)
		b = self.deal("2026-03-03", deal_value=500)
		self.change(a, "2026-03-05", status=self.ongoing)
		c = self.deal("2026-03-08", deal_value=200)
		self.change(b, "2026-03-09", status=self.lost, lost_reason="Unresponsive Prospect")
		filters = {
			"document_type": "CRM Deal",
			"company": COMPANY,
			"from_date": "2026-03-04",
			"to_date": "2026-03-10",
		}
		(row,) = pipeline_movement(frappe._dict(filters))[1]
		self.assertEqual(
			{key: value for key, value in row.items() if isinstance(value, float) and value},
			{"opening": 1500, "new": 200, "lost": -500, "closing": 1200},
		)
		columns, rows, *_rest = pipeline_movement(frappe._dict(filters, line="Lost"))
		self.assertEqual(columns[0]["options"], "CRM Deal")
		self.assertEqual(
			[(row["opportunity"], row["amount"], row["status_before"], row["status_after"]) for row in rows],
			[(b.name, -500, self.open, self.lost)],
		)
		grouped = pipeline_movement(frappe._dict(filters, group_by="Sales Stage"))[1]
		self.assertEqual(
			{row["group"]: row["closing"] for row in grouped if not row["bold"]},
			{self.ongoing: 1000, self.open: 200},
		)
		self.assertNotIn(c.name, [row["opportunity"] for row in rows])

	def test_forecast_accuracy_reads_the_deals_history_and_when_they_were_won(self):
		"""Four weeks before April, A (1000 at 40 %) and B (500 at 20 %) were expected to close in April:
		a forecast of 500. A was won on 10 April; B is still open: 1000 won."""
		a = self.deal("2026-02-20", deal_value=1000, probability=40, expected_closure_date="2026-04-15")
		self.deal("2026-02-21", deal_value=500, probability=20, expected_closure_date="2026-04-20")
		self.change(a, "2026-04-10", status=deal_status_of_type("Won"))
		filters = {
			"document_type": "CRM Deal",
			"company": COMPANY,
			"from_date": "2026-04-01",
			"to_date": "2026-04-30",
		}
		_columns, rows, _message, _chart, summary = forecast_accuracy(frappe._dict(filters))
		(april,) = rows
		self.assertEqual((april["month"], april["forecast"], april["actual"]), ("2026-04", 500, 1000))
		self.assertEqual(
			summary[0]["currency"], pipeline_as_of("2026-04-01", document_type="CRM Deal")["currency"]
		)

	def test_forecast_accuracy_counts_a_deal_won_twice_once_in_the_month_of_its_last_win(self):
		"""A, won in March, reopened and won again in May, counts in May only. B, won in April with no won
		stay in its log (as a deal won before Frappe CRM logged statuses), counts in the month of its last
		change."""
		won = deal_status_of_type("Won")
		a = self.deal("2026-02-20", deal_value=1000)
		self.change(a, "2026-03-10", status=won)
		self.change(a, "2026-04-02", status=self.open)
		self.change(a, "2026-05-05", status=won)
		b = self.deal("2026-02-21", deal_value=300)
		self.change(b, "2026-04-12", status=won)
		frappe.db.delete("CRM Status Change Log", {"parenttype": "CRM Deal", "parent": b.name})
		filters = {
			"document_type": "CRM Deal",
			"company": COMPANY,
			"from_date": "2026-03-01",
			"to_date": "2026-05-31",
		}
		rows = forecast_accuracy(frappe._dict(filters))[1]
		self.assertEqual(
			{row["month"]: row["actual"] for row in rows}, {"2026-03": 0, "2026-04": 300, "2026-05": 1000}
		)
