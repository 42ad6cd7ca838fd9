"""Stage Velocity against figures computed by hand."""

import frappe

from opportunity_pipeline.opportunity_pipeline.report.stage_velocity.stage_velocity import execute
from opportunity_pipeline.pipeline_history.test_as_of import COMPANY, HistoryTestCase, at
from opportunity_pipeline.tests.factories import make_stage


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
