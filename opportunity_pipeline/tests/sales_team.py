"""A sales team for the team forecast's integration tests: a manager above Ann and Bob in the Sales
Person tree, each a user through their Employee, with targets for the fiscal year of today; helpers that
book a submitted Sales Order to one of them, give them open opportunities by forecast category, and
an opportunity won on a day."""

import frappe
from frappe.utils import add_days, getdate

from erpnext.accounts.report.financial_statements import get_period_list
from erpnext.accounts.utils import get_fiscal_year

from opportunity_pipeline.forecast_category.rules import BEST_CASE, COMMIT, PIPELINE
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


class SalesTeamTestCase(IntegrationTestCase):
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

	def book(self, person: str, amount: float, on=None):
		order = frappe.get_doc(
			{
				"doctype": "Sales Order",
				"company": self.company,
				"customer": make_customer(),
				"transaction_date": on or self.today,
				"delivery_date": add_days(on or self.today, 10),
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

	def win(self, owner: str, amount: float, on) -> str:
		"""An opportunity of `owner`'s won (Converted) on the day `on`."""
		opportunity = make_opportunity(opportunity_owner=owner, opportunity_amount=amount)
		frappe.db.set_value(
			"Opportunity",
			opportunity.name,
			{"status": "Converted", "converted_on": f"{on} 10:00:00"},
			update_modified=False,
		)
		return opportunity.name
