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
