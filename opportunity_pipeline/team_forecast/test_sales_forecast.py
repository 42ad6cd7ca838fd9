"""Sales Forecast: submitted per period and kept as made, pre-filled from the pipeline or the team's calls,
what the app fills never taken from a client, a manager's call over the team, the Forecast Grid reading
each person's latest, and a sales person kept to forecasts of their own."""

import frappe

from opportunity_pipeline.opportunity_pipeline.report.forecast_grid.forecast_grid import execute
from opportunity_pipeline.tests.sales_team import (
	ANN,
	ANN_USER,
	BOB,
	BOB_USER,
	MANAGER,
	SalesTeamTestCase,
)


class TestSalesForecast(SalesTeamTestCase):
	def forecast(self, person: str, submit: bool = True, **values):
		doc = frappe.get_doc(
			{
				"doctype": "Sales Forecast",
				"sales_person": person,
				"company": self.company,
				"fiscal_year": self.fiscal_year,
				"periodicity": "Quarterly",
				"from_date": self.quarter.from_date,
				**values,
			}
		).insert()
		if submit:
			doc.submit()
		return doc

	def grid_row(self, person: str) -> dict:
		_columns, rows, *_rest = execute(
			{"company": self.company, "fiscal_year": self.fiscal_year, "periodicity": "Quarterly"}
		)
		return next(row for row in rows if row["sales_person"] == person)

	def test_a_forecast_left_empty_is_the_pipelines_and_keeps_what_it_said(self):
		self.pipeline()
		self.win(ANN_USER, 400, self.quarter.from_date)
		ann = self.forecast(ANN)
		# Ann's quarter: 400 won already; open, 1,000 in Commit, 2,000 in Pipeline (weighted 500 + 200).
		# Her commit is what has closed and her Commit, as Salesforce counts a commit forecast.
		self.assertEqual((ann.pipeline_closed, ann.pipeline_commit, ann.pipeline_weighted), (400, 1000, 700))
		self.assertEqual((ann.commit_amount, ann.best_case_amount), (1400, 1400))
		self.assertEqual((ann.to_date, ann.for_team), (self.quarter.to_date, 0))

	def test_what_the_app_fills_is_never_taken_from_a_client(self):
		self.pipeline()
		ann = self.forecast(ANN, pipeline_commit=999_999, team_commit=5, for_team=1, to_date="2001-01-01")
		self.assertEqual((ann.pipeline_commit, ann.team_commit, ann.for_team), (1000, 0, 0))
		self.assertEqual(ann.to_date, self.quarter.to_date)

	def test_a_new_submission_is_a_new_record_and_the_grid_reads_the_latest(self):
		first = self.forecast(ANN, commit_amount=800, best_case_amount=1500)
		second = self.forecast(ANN, commit_amount=900, best_case_amount=1600)
		self.assertNotEqual(first.name, second.name)
		self.assertEqual(frappe.db.get_value("Sales Forecast", first.name, "commit_amount"), 800)
		with self.assertRaises(frappe.ValidationError):  # submitted: kept as made
			first.reload()
			first.commit_amount = 1
			first.save()
		row = self.grid_row(ANN)
		key = self.quarter.key
		self.assertEqual((row[f"{key}_called_commit"], row[f"{key}_called_best_case"]), (900, 1600))

	def test_a_managers_call_replaces_the_team_sum_and_starts_from_it(self):
		self.forecast(ANN, commit_amount=800, best_case_amount=1500)
		self.forecast(BOB, commit_amount=100, best_case_amount=300)
		key = self.quarter.key
		self.assertEqual(self.grid_row(MANAGER)[f"{key}_called_commit"], 900)
		call = self.forecast(MANAGER, submit=False)
		self.assertEqual(
			(call.for_team, call.team_commit, call.commit_amount, call.best_case_amount),
			(1, 900, 900, 1800),
		)
		call.commit_amount, call.note = 700, "Bob's deal slips to next quarter"
		call.save()
		call.submit()
		self.assertEqual(self.grid_row(MANAGER)[f"{key}_called_commit"], 700)

	def test_bad_input_is_refused(self):
		for values in (
			{"from_date": self.quarter.to_date},
			{"commit_amount": -1},
			{"commit_amount": 500, "best_case_amount": 400},
		):
			with self.subTest(values=values), self.assertRaises(frappe.ValidationError):
				self.forecast(ANN, submit=False, **values)

	def test_a_sales_person_restricted_to_themselves_cannot_forecast_for_another(self):
		frappe.get_doc(
			{"doctype": "User Permission", "user": BOB_USER, "allow": "Sales Person", "for_value": BOB}
		).insert()
		frappe.set_user(BOB_USER)
		self.assertEqual(self.forecast(BOB).sales_person, BOB)
		with self.assertRaises(frappe.PermissionError):
			self.forecast(ANN)

	def test_a_past_periods_forecast_error_and_the_years_bias(self):
		ended = [p for p in self.periods if p.to_date < self.today]
		if not ended:
			self.skipTest("no quarter of this fiscal year has ended yet")
		period = ended[-1]
		self.win(ANN_USER, 7000, period.from_date)
		self.book(ANN, 5000, on=period.from_date)  # bookings are attainment, not what was forecast
		self.forecast(ANN, from_date=period.from_date, commit_amount=9000, best_case_amount=9000)
		row = self.grid_row(ANN)
		self.assertEqual((row[f"{period.key}_closed"], row[f"{period.key}_won"]), (7000, 5000))
		# Promised 9,000, her opportunities won 7,000: 2,000 too much, a bias of 2,000 / 7,000.
		self.assertEqual(row[f"{period.key}_error"], 2000)
		self.assertAlmostEqual(row["total_bias"], 2000 / 7000 * 100, places=6)
		self.assertIsNone(row[f"{self.quarter.key}_error"])
