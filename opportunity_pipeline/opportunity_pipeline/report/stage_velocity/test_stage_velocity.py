"""Stage Velocity against figures computed by hand."""

import unittest

import frappe

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.opportunity_pipeline.report.stage_velocity.stage_velocity import execute
from opportunity_pipeline.pipeline_history.test_as_of import COMPANY, HistoryTestCase, at
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import make_crm_territory, make_deal_status, make_stage, make_user
from opportunity_pipeline.tests.test_permissions import strict_user_permissions


class TestStageVelocity(HistoryTestCase):
	def test_days_and_outcomes_per_stage(self):
		first, second = make_stage("_OP History A", 20), make_stage("_OP History B", 40)
		lost = self.opportunity("2026-03-02", sales_stage=first)
		self.change(lost, "2026-03-06", sales_stage=second)
		with self.freeze_time(at("2026-03-16")):
			frappe.get_doc("Opportunity", lost.name).db_set("status", "Lost")
		won = self.opportunity("2026-03-02", sales_stage=first)
		self.change(won, "2026-03-04", sales_stage=second)
		self.change(won, "2026-03-05", sales_stage=first)
		with self.freeze_time(at("2026-03-10")):
			frappe.get_doc("Opportunity", won.name).db_set("status", "Converted")

		_columns, rows, *_rest = execute(
			frappe._dict(company=COMPANY, from_date="2026-03-01", to_date="2026-03-31")
		)
		found = {
			row["sales_stage"]: (
				row["stays"],
				row["median_days"],
				row["p75_days"],
				round(row["forward"]),
				round(row["back"]),
				round(row["won"]),
				round(row["lost"]),
			)
			for row in rows
		}
		self.assertEqual(found, {first: (3, 4, 5, 67, 0, 33, 0), second: (2, 1, 10, 0, 50, 0, 50)})

	def test_a_stage_deleted_since_still_counts(self):
		"""Rows naming a stage no longer among the Sales Stages take the plain grouping by text."""
		gone, kept = make_stage("_OP History Gone", 20), make_stage("_OP History A", 40)
		doc = self.opportunity("2026-03-02", sales_stage=gone)
		self.change(doc, "2026-03-05", sales_stage=kept)
		frappe.delete_doc("Sales Stage", gone, force=True)
		_columns, rows, *_rest = execute(
			frappe._dict(company=COMPANY, from_date="2026-03-01", to_date="2026-03-31")
		)
		self.assertEqual(
			[(row["sales_stage"], row["stays"], row["median_days"], round(row["forward"])) for row in rows],
			[(gone, 1, 3, 100)],
		)


@unittest.skipUnless(frappe_crm.installed(), "Frappe CRM is not installed on this site")
class TestDealStageVelocity(IntegrationTestCase):
	"""The same report on Frappe CRM's deals, read from Frappe CRM's status change log."""

	def setUp(self):
		frappe.set_user("Administrator")
		self.first = make_deal_status("_OP Velocity First", "Open", 201)
		self.second = make_deal_status("_OP Velocity Second", "Ongoing", 202)
		self.won = make_deal_status("_OP Velocity Won", "Won", 203)
		self.lost = make_deal_status("_OP Velocity Lost", "Lost", 204)
		self.north = make_crm_territory("_OP Velocity North")
		self.south = make_crm_territory("_OP Velocity South")
		# First 4 days, second 6, won; first 10, lost; second 2, back to first (still there).
		self.deal(self.north, (self.first, "2026-03-02", self.second), (self.second, "2026-03-06", self.won))
		self.deal(self.north, (self.first, "2026-03-03", self.lost))
		self.deal(self.south, (self.second, "2026-03-20", self.first), (self.first, "2026-03-22", None))
		# A stay that ended before the period does not count.
		self.deal(self.south, (self.first, "2026-01-02", self.second), (self.second, "2026-01-05", None))

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def deal(self, territory, *stays):
		"""A deal whose status change log holds these stays: (status, since, status it went to or None),
		each ending when the next begins (the first ends 4, 10 or 2 days on, as the dates above say)."""
		deal = frappe.get_doc({"doctype": "CRM Deal", "status": self.first}).insert()
		frappe.db.delete("CRM Status Change Log", {"parent": deal.name})
		kinds = {self.first: "Open", self.second: "Ongoing", self.won: "Won", self.lost: "Lost"}
		ends = {"2026-03-02": "2026-03-06", "2026-03-06": "2026-03-12", "2026-03-03": "2026-03-13"}
		ends |= {"2026-03-20": "2026-03-22", "2026-01-02": "2026-01-05"}
		for number, (status, since, went_to) in enumerate(stays, start=1):
			frappe.get_doc(
				{
					"doctype": "CRM Status Change Log",
					"parent": deal.name,
					"parenttype": "CRM Deal",
					"parentfield": "status_change_log",
					"idx": number,
					"from": status,
					"from_type": kinds[status],
					"from_date": f"{since} 10:00:00",
					"to": went_to or "",
					"to_type": kinds.get(went_to, ""),
					"to_date": f"{ends[since]} 10:00:00" if went_to else None,
				}
			).db_insert()
		last = stays[-1]
		frappe.db.set_value(
			"CRM Deal",
			deal.name,
			{"status": last[2] or last[0], "territory": territory},
			update_modified=False,
		)
		return deal.name

	def report(self, **filters):
		columns, rows, *_rest = execute(
			{
				"company": COMPANY,
				"document_type": "CRM Deal",
				"from_date": "2026-03-01",
				"to_date": "2026-03-31",
				**filters,
			}
		)
		return columns, {
			(row["sales_stage"], row.get("group", "")): (
				row["stays"],
				row["median_days"],
				row["p75_days"],
				row["forward"],
				row["back"],
				row["won"],
				row["lost"],
			)
			for row in rows
			if row["sales_stage"].startswith("_OP Velocity")
		}

	def test_days_and_outcomes_per_status_from_frappe_crms_log(self):
		columns, found = self.report()
		self.assertEqual(columns[0]["options"], "CRM Deal Status")
		self.assertEqual(
			found,
			{
				(self.first, ""): (2, 4, 10, 50, 0, 0, 50),
				(self.second, ""): (2, 2, 6, 0, 50, 50, 0),
			},
		)

	def test_grouped_by_territory_and_narrowed_to_what_the_user_may_list(self):
		_columns, found = self.report(group_by="Territory")
		self.assertEqual(found[(self.second, self.south)], (1, 2, 2, 0, 100, 0, 0))
		seller = make_user("op-velocity-seller@example.com", roles=("Sales User",))
		frappe.get_doc(
			{"doctype": "User Permission", "user": seller, "allow": "CRM Territory", "for_value": self.north}
		).insert(ignore_permissions=True)
		with strict_user_permissions(), self.set_user(seller):
			_columns, found = self.report()
		self.assertEqual(
			found,
			{
				(self.first, ""): (2, 4, 10, 50, 0, 0, 50),
				(self.second, ""): (1, 6, 6, 0, 0, 100, 0),
			},
		)
