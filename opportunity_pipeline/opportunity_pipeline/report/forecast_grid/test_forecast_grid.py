"""Forecast Grid, by hand: a manager above two sales people, their targets (one spread by a Monthly
Distribution, one evenly), a submitted Sales Order booked to one of them, their open opportunities by
forecast category; a sales person restricted to themselves sees only their own row."""

import frappe
from frappe.utils import add_days, getdate

from erpnext.accounts.report.financial_statements import get_period_list
from erpnext.accounts.utils import get_fiscal_year

from opportunity_pipeline.forecast_category.rules import BEST_CASE, COMMIT, PIPELINE
from opportunity_pipeline.opportunity_pipeline.report.forecast_grid.forecast_grid import execute
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import make_customer, make_item, make_opportunity, make_user

MANAGER, ANN, BOB = "_OP Grid Manager", "_OP Grid Ann", "_OP Grid Bob"
ANN_USER, BOB_USER = "op-grid-ann@example.com", "op-grid-bob@example.com"
FRONT_LOADED, EVEN = "_OP Grid Front Loaded", "_OP Grid Even"


def sales_person(name: str, parent: str = "Sales Team", is_group: int = 0, user: str | None = None) -> str:
	employee = None
	if user:
		employee = (
			frappe.get_doc(
				{
					"doctype": "Employee",
					"first_name": name,
					"gender": frappe.db.get_value("Gender", {}, "name"),
					"date_of_birth": "1990-01-01",
					"date_of_joining": "2020-01-01",
					"company": frappe.defaults.get_global_default("company"),
					"status": "Active",
					"user_id": user,
				}
			)
			.insert()
			.name
		)
	return (
		frappe.get_doc(
			{
				"doctype": "Sales Person",
				"sales_person_name": name,
				"parent_sales_person": parent,
				"is_group": is_group,
				"employee": employee,
			}
		)
		.insert()
		.name
	)


class TestForecastGrid(IntegrationTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		self.addCleanup(frappe.db.rollback)  # also when the set-up itself fails
		self.company = frappe.defaults.get_global_default("company")
		self.today = getdate()
		self.fiscal_year = get_fiscal_year(self.today, company=self.company)[0]
		self.periods = get_period_list(
			self.fiscal_year, self.fiscal_year, "", "", "Fiscal Year", "Quarterly", company=self.company
		)
		self.quarter = next(p for p in self.periods if p.from_date <= self.today <= p.to_date)
		for user in (ANN_USER, BOB_USER):
			make_user(user)
		sales_person(MANAGER, is_group=1)
		sales_person(ANN, MANAGER, user=ANN_USER)
		sales_person(BOB, MANAGER, user=BOB_USER)
		# Ann: 120,000 a year, spread evenly (30,000 a quarter). Bob: 40,000, half of it in the quarter
		# holding today's month (its three months 50 % together, the other nine the rest). ERPNext asks
		# every target for its Monthly Distribution.
		months = {add_days(self.quarter.from_date, days).strftime("%B").title() for days in (0, 40, 70)}
		self.distribution(EVEN, lambda month: 100 / 12)
		self.distribution(FRONT_LOADED, lambda month: 50 / 3 if month in months else 50 / 9)
		for person, amount, spread in ((ANN, 120_000, EVEN), (BOB, 40_000, FRONT_LOADED)):
			doc = frappe.get_doc("Sales Person", person)
			doc.append(
				"targets",
				{"fiscal_year": self.fiscal_year, "target_amount": amount, "distribution_id": spread},
			)
			doc.save()

	def tearDown(self):
		frappe.set_user("Administrator")

	def distribution(self, name: str, percentage):
		distribution = frappe.get_doc(
			{"doctype": "Monthly Distribution", "distribution_id": name, "fiscal_year": self.fiscal_year}
		)
		distribution.get_months()
		for row in distribution.percentages:
			row.percentage_allocation = percentage(row.month)
		distribution.insert()

	def book(self, person: str, amount: float):
		order = frappe.get_doc(
			{
				"doctype": "Sales Order",
				"company": self.company,
				"customer": make_customer(),
				"transaction_date": self.today,
				"delivery_date": add_days(self.today, 10),
				"items": [{"item_code": make_item(), "qty": 1, "rate": amount, "uom": "Nos"}],
				"sales_team": [{"sales_person": person, "allocated_percentage": 100}],
			}
		).insert()
		order.submit()

	def pipeline(self):
		closing = self.today
		for owner, amount, probability, category in (
			(ANN_USER, 1000, 50, COMMIT),
			(ANN_USER, 2000, 10, PIPELINE),
			(BOB_USER, 500, 40, BEST_CASE),
		):
			make_opportunity(
				opportunity_owner=owner,
				opportunity_amount=amount,
				probability=probability,
				expected_closing=closing,
				forecast_category=category,
			)

	def grid(self, **filters) -> dict:
		_columns, rows, *_rest = execute(
			{"company": self.company, "fiscal_year": self.fiscal_year, "periodicity": "Quarterly", **filters}
		)
		return {row["sales_person"]: row for row in rows}

	def test_quotas_bookings_and_the_pipeline_by_category_rolled_up_the_tree(self):
		self.book(ANN, 7000)
		self.pipeline()
		rows = self.grid()
		key = self.quarter.key
		ann, bob, manager = rows[ANN], rows[BOB], rows[MANAGER]
		self.assertEqual(
			[round(ann[f"{key}_{m}"], 2) for m in ("quota", "won", "commit", "best_case", "pipeline")],
			[30_000, 7000, 1000, 0, 2000],
		)
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

	def test_bad_filters_are_refused(self):
		with self.assertRaises(frappe.ValidationError):
			self.grid(periodicity="Weekly")
		with self.assertRaises(frappe.ValidationError):
			self.grid(bookings_from="Delivery Note")
