import unittest

import frappe
from frappe.utils import add_days, add_months, get_first_day, get_last_day, getdate, today

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.api import open_pipeline_card, weighted_pipeline_card
from opportunity_pipeline.opportunity_pipeline.report.opportunity_pipeline_forecast.opportunity_pipeline_forecast import (
	execute,
)
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import (
	make_deal_status,
	make_opportunity,
	make_stage,
	make_territory,
	make_user,
)

EURO_RATE = 2.0  # set on the opportunity, so the expected sums do not depend on exchange rate records


class TestOpportunityPipelineForecast(IntegrationTestCase):
	"""Seven opportunities; every expected number below is computed by hand from them."""

	def setUp(self):
		self.company = frappe.defaults.get_global_default("company")
		self.currency = frappe.get_cached_value("Company", self.company, "default_currency")
		first = get_first_day(add_months(today(), 1))
		self.months = [add_months(first, n) for n in range(3)]
		self.range = {"from_date": first, "to_date": get_last_day(self.months[-1])}
		early, late = make_stage("_OP Forecast Early", 25), make_stage("_OP Forecast Late", 60)
		north, south = make_territory("_OP North"), make_territory("_OP South")
		self.before = self.cards()
		self.open("A", early, north, 1000, self.months[0])  # weighted 250
		self.open("B", early, north, 500, self.months[1], probability=50, currency="EUR")  # 1000, 500
		self.open("C", late, south, 300, add_days(self.months[1], 9))  # weighted 180
		self.open("D", late, north, 400, add_days(today(), -10))  # overdue, weighted 240
		self.open("E", early, north, 700, None)  # no expected closing, weighted 175
		lost = self.open("F", early, north, 900, self.months[0])
		frappe.db.set_value("Opportunity", lost, "status", "Lost", update_modified=False)
		self.open("G", late, north, 100, add_months(self.months[-1], 2))  # after the range
		self.north, self.early, self.late = north, early, late

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def open(self, title, stage, territory, amount, closing, probability=None, currency=None):
		opportunity = make_opportunity(
			title=f"_OP Forecast {title}",
			company=self.company,
			sales_stage=stage,
			territory=territory,
			expected_closing=closing,
			**({"probability": probability} if probability is not None else {}),
		)
		frappe.db.set_value(
			"Opportunity",
			opportunity.name,
			{
				"opportunity_amount": amount,
				"currency": currency or self.currency,
				"conversion_rate": EURO_RATE if currency else 1,
			},
			update_modified=False,
		)
		return opportunity.name

	def report(self, **filters):
		columns, data, _, chart, summary = execute({"company": self.company, **self.range, **filters})
		ours = {row["group"]: row for row in data if row["group"].startswith("_OP")}
		return columns, ours, chart, summary

	def cards(self):
		return (
			open_pipeline_card({"company": self.company})["value"],
			weighted_pipeline_card({"company": self.company})["value"],
		)

	def test_by_sales_stage_per_month_in_company_currency(self):
		columns, rows, chart, _ = self.report(group_by="Sales Stage", periodicity="Monthly")

		labels = [
			c["label"] for c in columns if c["fieldname"].endswith("_amount") and c["fieldname"][1].isdigit()
		]
		self.assertEqual(labels, [f"{m.year}-{m.month:02d} Amount" for m in map(getdate, self.months)])
		early, late = rows["_OP Forecast Early"], rows["_OP Forecast Late"]
		self.assertEqual((early["p0_amount"], early["p0_weighted"]), (1000, 250))
		self.assertEqual((early["p1_amount"], early["p1_weighted"]), (1000, 500))  # B: 500 EUR x 2
		self.assertEqual((early["count"], early["amount"], early["weighted"]), (2, 2000, 750))
		self.assertEqual((early["undated_count"], early.get("overdue_count", 0)), (1, 0))
		self.assertEqual((late["p1_amount"], late["p1_weighted"], late.get("p2_amount", 0)), (300, 180, 0))
		self.assertEqual((late["count"], late["amount"], late["weighted"]), (1, 300, 180))
		self.assertEqual(
			(late["overdue_count"], late["overdue_amount"], late["overdue_weighted"]), (1, 400, 240)
		)

		self.assertEqual(chart["barOptions"], {"stacked": 1})
		series = {d["name"]: d["values"] for d in chart["data"]["datasets"]}
		self.assertEqual(series["_OP Forecast Early"], [250, 500, 0])
		self.assertEqual(series["_OP Forecast Late"], [0, 180, 0])

	def test_by_territory_per_quarter(self):
		_, rows, _, _ = self.report(group_by="Territory", periodicity="Quarterly")
		north, south = rows["_OP North"], rows["_OP South"]
		self.assertEqual((north["count"], north["amount"], north["weighted"]), (2, 2000, 750))
		self.assertEqual((north["overdue_amount"], north["undated_count"]), (400, 1))
		self.assertEqual((south["count"], south["amount"], south["weighted"]), (1, 300, 180))

	def test_summary_sets_overdue_apart(self):
		_, _, _, summary = self.report(group_by="Sales Stage", sales_stage=self.late)
		values = {card["label"]: card["value"] for card in summary}
		self.assertEqual(
			(values["Open Opportunities"], values["Pipeline Amount"], values["Weighted Amount"]),
			(1, 300, 180),
		)
		self.assertEqual((values["Overdue"], values["Overdue Amount"]), (1, 400))

	def test_a_user_limited_to_one_territory_sees_only_that_territory(self):
		seller = make_user("op-forecast-south@example.com", roles=("Sales User",))
		frappe.get_doc(
			{"doctype": "User Permission", "user": seller, "allow": "Territory", "for_value": "_OP South"}
		).insert(ignore_permissions=True)
		with self.set_user(seller):
			_, rows, _, _ = self.report(group_by="Sales Stage")
		self.assertEqual(set(rows), {"_OP Forecast Late"})
		self.assertEqual(
			(rows["_OP Forecast Late"]["amount"], rows["_OP Forecast Late"].get("overdue_count", 0)), (300, 0)
		)

	def test_pipeline_cards_add_up_the_open_opportunities(self):
		# Every open one, A to E and G, in company currency; each weighted by its probability.
		after = self.cards()
		self.assertAlmostEqual(after[0] - self.before[0], 1000 + 1000 + 300 + 400 + 700 + 100)
		self.assertAlmostEqual(after[1] - self.before[1], 250 + 500 + 180 + 240 + 175 + 60)

	def test_bad_filters_are_refused(self):
		self.assertRaises(frappe.ValidationError, execute, {"company": self.company, "group_by": "Colour"})
		self.assertRaises(
			frappe.ValidationError,
			execute,
			{"company": self.company, "from_date": "2026-05-01", "to_date": "2026-04-01"},
		)
		outsider = make_user("op-outsider@example.com", roles=("Purchase User",))
		with self.set_user(outsider):
			self.assertRaises(frappe.PermissionError, execute, {"company": self.company, **self.range})


@unittest.skipUnless(frappe_crm.installed(), "Frappe CRM is not installed on this site")
class TestDealPipelineForecast(IntegrationTestCase):
	"""The same report on Frappe CRM's deals (Document Type: CRM Deal); the figures by hand."""

	def setUp(self):
		self.company = frappe.defaults.get_global_default("company")
		self.currency = frappe.db.get_single_value("FCRM Settings", "currency") or frappe.get_cached_value(
			"Company", self.company, "default_currency"
		)
		first = get_first_day(add_months(today(), 1))
		self.months = [add_months(first, n) for n in range(3)]
		self.range = {"from_date": first, "to_date": get_last_day(self.months[-1])}
		self.early = make_deal_status("_OP Deal Early", "Open", 101)
		self.late = make_deal_status("_OP Deal Late", "Ongoing", 102)
		self.won = make_deal_status("_OP Deal Won", "Won", 103)
		self.north, self.south = self.territory("_OP Deal North"), self.territory("_OP Deal South")
		self.deal(self.early, self.north, 1000, 25, self.months[0])  # weighted 250
		self.deal(self.early, self.north, 500, 50, self.months[1], rate=2)  # 1000, weighted 500
		self.deal(self.late, self.south, 300, 60, add_days(self.months[1], 9))  # weighted 180
		self.deal(self.late, self.north, 400, 60, add_days(today(), -10))  # overdue, weighted 240
		self.deal(self.early, self.north, 700, 25, None)  # no expected closing
		self.deal(self.won, self.north, 900, 100, self.months[0])  # won: out of the pipeline

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def territory(self, name):
		return frappe.get_doc({"doctype": "CRM Territory", "territory_name": name}).insert().name

	def deal(self, status, territory, value, probability, closing, rate=1):
		deal = frappe.get_doc({"doctype": "CRM Deal", "status": status}).insert()
		frappe.db.set_value(
			"CRM Deal",
			deal.name,
			{
				"territory": territory,
				"deal_value": value,
				"exchange_rate": rate,
				"probability": probability,
				"expected_closure_date": closing,
			},
			update_modified=False,
		)
		return deal.name

	def report(self, **filters):
		columns, data, _, chart, summary = execute(
			{"company": self.company, "document_type": "CRM Deal", **self.range, **filters}
		)
		return columns, {row["group"]: row for row in data if row["group"].startswith("_OP")}, summary

	def test_deals_by_stage_in_the_crm_currency(self):
		columns, rows, _ = self.report(group_by="Sales Stage", periodicity="Monthly")
		self.assertEqual({c.get("options") for c in columns if c["fieldtype"] == "Currency"}, {self.currency})
		early, late = rows["_OP Deal Early"], rows["_OP Deal Late"]
		self.assertEqual((early["p0_amount"], early["p0_weighted"]), (1000, 250))
		self.assertEqual((early["p1_amount"], early["p1_weighted"]), (1000, 500))
		self.assertEqual(
			(early["count"], early["amount"], early["weighted"], early["undated_count"]), (2, 2000, 750, 1)
		)
		self.assertEqual((late["count"], late["amount"], late["weighted"]), (1, 300, 180))
		self.assertEqual((late["overdue_count"], late["overdue_amount"]), (1, 400))
		self.assertNotIn("_OP Deal Won", rows)
		self.assertLess(list(rows).index("_OP Deal Early"), list(rows).index("_OP Deal Late"))

	def test_deals_by_territory_and_filtered_by_stage(self):
		_, rows, _ = self.report(group_by="Territory", periodicity="Quarterly")
		self.assertEqual((rows["_OP Deal North"]["count"], rows["_OP Deal North"]["amount"]), (2, 2000))
		self.assertEqual(rows["_OP Deal South"]["weighted"], 180)
		_, _, summary = self.report(group_by="Sales Stage", sales_stage=self.late)
		values = {card["label"]: card["value"] for card in summary}
		self.assertEqual((values["Open Opportunities"], values["Overdue Amount"]), (1, 400))

	def test_a_seller_sees_the_deals_frappe_crm_lets_them_list(self):
		"""Frappe CRM lets a Sales User read the deals they own or are assigned; a User Permission on a CRM
		Territory narrows that further. The report counts exactly what frappe.get_list lists."""
		seller = make_user("op-deal-forecast-south@example.com", roles=("Sales User",))
		owned = frappe.get_all("CRM Deal", {"status": self.late}, pluck="name")  # south 300, north 400
		for name in owned:
			frappe.db.set_value("CRM Deal", name, "deal_owner", seller, update_modified=False)
		with self.set_user(seller):
			_, rows, _ = self.report(group_by="Territory")
		self.assertEqual(set(rows), {"_OP Deal North", "_OP Deal South"})
		self.assertEqual(
			(rows["_OP Deal North"]["overdue_amount"], rows["_OP Deal South"]["amount"]), (400, 300)
		)

		frappe.get_doc(
			{"doctype": "User Permission", "user": seller, "allow": "CRM Territory", "for_value": self.south}
		).insert(ignore_permissions=True)
		with self.set_user(seller):
			_, rows, _ = self.report(group_by="Territory")
			listed = frappe.get_list("CRM Deal", {"status": ("like", "_OP Deal%")}, pluck="territory")
		self.assertEqual(set(rows), {"_OP Deal South"})
		self.assertEqual(listed, [self.south])

	def test_what_deals_do_not_have_is_refused(self):
		for filters in ({"group_by": "Opportunity Type"}, {"opportunity_type": "Sales"}):
			with self.subTest(filters=filters), self.assertRaises(frappe.ValidationError):
				self.report(**filters)
		with self.assertRaises(frappe.ValidationError):
			self.report(document_type="Sales Order")
