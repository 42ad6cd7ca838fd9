"""Forecast Grid, by hand: a manager above two sales people, their targets (one spread by a Monthly
Distribution, one evenly), a submitted Sales Order booked to one of them, their open opportunities by
forecast category and one won; a sales person restricted to themselves sees only their own row."""

import frappe

from opportunity_pipeline.opportunity_pipeline.report.forecast_grid.forecast_grid import execute
from opportunity_pipeline.tests.sales_team import ANN, ANN_USER, BOB, BOB_USER, MANAGER, SalesTeamTestCase


class TestForecastGrid(SalesTeamTestCase):
	def grid(self, **filters) -> dict:
		_columns, rows, *_rest = execute(
			{"company": self.company, "fiscal_year": self.fiscal_year, "periodicity": "Quarterly", **filters}
		)
		return {row["sales_person"]: row for row in rows}

	def test_quotas_bookings_and_the_pipeline_by_category_rolled_up_the_tree(self):
		self.book(ANN, 7000)
		self.pipeline()
		self.win(ANN_USER, 600, self.quarter.from_date)
		rows = self.grid()
		key = self.quarter.key
		ann, bob, manager = rows[ANN], rows[BOB], rows[MANAGER]
		self.assertEqual(
			[
				round(ann[f"{key}_{m}"], 2)
				for m in ("quota", "won", "closed", "commit", "best_case", "pipeline")
			],
			[30_000, 7000, 600, 1000, 0, 2000],
		)
		self.assertEqual((bob[f"{key}_closed"], manager[f"{key}_closed"]), (0, 600))
		self.assertAlmostEqual(bob[f"{key}_quota"], 20_000, places=2)
		self.assertEqual(bob[f"{key}_best_case"], 500)
		# Weighted open pipeline over what is left to reach: (500 + 200) / (30,000 - 7,000).
		self.assertAlmostEqual(ann[f"{key}_coverage"], 700 / 23_000, places=6)
		self.assertAlmostEqual(bob[f"{key}_coverage"], 200 / 20_000, places=6)
		self.assertAlmostEqual(manager[f"{key}_quota"], 50_000, places=2)
		self.assertEqual(manager[f"{key}_won"], 7000)
		self.assertEqual(manager[f"{key}_commit"] + manager[f"{key}_best_case"], 1500)
		self.assertAlmostEqual(ann["total_quota"], 120_000, places=2)
		self.assertAlmostEqual(bob["total_quota"], 40_000, places=2)
		self.assertEqual(ann["indent"], manager["indent"] + 1)

	def test_a_sales_person_restricted_to_themselves_sees_their_own_row_only(self):
		self.book(ANN, 7000)
		self.book(BOB, 3000)
		self.pipeline()
		frappe.get_doc(
			{"doctype": "User Permission", "user": BOB_USER, "allow": "Sales Person", "for_value": BOB}
		).insert()
		frappe.set_user(BOB_USER)
		rows = self.grid()
		self.assertEqual(set(rows), {BOB})
		key = self.quarter.key
		self.assertEqual((rows[BOB][f"{key}_best_case"], rows[BOB][f"{key}_commit"]), (500, 0))

	def test_bookings_count_from_selling_settings_unless_the_filter_says(self):
		self.book(ANN, 7000)
		frappe.db.set_single_value("Selling Settings", "attainment_from", "Sales Invoice")
		key = self.quarter.key
		self.assertEqual(self.grid()[ANN][f"{key}_won"], 0)  # Ann's booking is an order, not an invoice
		self.assertEqual(self.grid(bookings_from="Sales Order")[ANN][f"{key}_won"], 7000)

	def test_bad_filters_are_refused(self):
		with self.assertRaises(frappe.ValidationError):
			self.grid(periodicity="Weekly")
		with self.assertRaises(frappe.ValidationError):
			self.grid(bookings_from="Delivery Note")

	def test_my_attainment_is_what_i_won_over_my_quota_this_year(self):
		from opportunity_pipeline.api import my_attainment_card

		self.book(ANN, 7000)
		frappe.set_user(ANN_USER)
		self.assertEqual(my_attainment_card(), {"value": 5.8, "fieldtype": "Percent"})  # 7,000 / 120,000
		frappe.set_user(BOB_USER)
		self.assertEqual(my_attainment_card()["value"], 0)
		frappe.set_user("Administrator")  # no sales person
		self.assertEqual(my_attainment_card()["value"], 0)
