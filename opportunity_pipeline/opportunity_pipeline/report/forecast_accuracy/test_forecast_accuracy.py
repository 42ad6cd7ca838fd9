"""Forecast Accuracy against figures computed by hand."""

import frappe

from opportunity_pipeline.opportunity_pipeline.report.forecast_accuracy.forecast_accuracy import execute
from opportunity_pipeline.pipeline_history.test_as_of import COMPANY, HistoryTestCase, at
from opportunity_pipeline.tests.factories import make_stage


class TestForecastAccuracy(HistoryTestCase):
	def accuracy(self, weeks):
		filters = frappe._dict(company=COMPANY, from_date="2026-03-01", to_date="2026-03-31", weeks=weeks)
		_columns, rows, _message, chart, summary = execute(filters)
		return rows, chart, {item["label"]: item["value"] for item in summary}

	def test_forecast_as_it_stood_weeks_before_next_to_what_was_won(self):
		make_stage("_OP History A", 50)
		won = self.opportunity(
			"2026-01-05", opportunity_amount=1000, sales_stage="_OP History A", expected_closing="2026-03-20"
		)
		self.opportunity(
			"2026-02-10", opportunity_amount=400, sales_stage="_OP History A", expected_closing="2026-03-10"
		)
		with self.freeze_time(at("2026-03-18")):
			frappe.get_doc("Opportunity", won.name).db_set("status", "Converted")

		rows, chart, summary = self.accuracy("4")  # as it stood on 2026-02-01: only the first, at 50 %
		self.assertEqual(
			[
				(row["month"], row["forecast"], row["actual"], row["error"], row["error_percent"])
				for row in rows
			],
			[("2026-03", 500, 1000, -500, -50)],
		)
		self.assertEqual(summary[frappe._("Bias (% of Won)")], -50)
		rows, _chart, _summary = self.accuracy("1")  # on 2026-02-22: both
		self.assertEqual((rows[0]["forecast"], rows[0]["error_percent"]), (700, -30))

	def test_weeks_must_be_offered(self):
		self.assertRaises(frappe.ValidationError, self.accuracy, "7")
