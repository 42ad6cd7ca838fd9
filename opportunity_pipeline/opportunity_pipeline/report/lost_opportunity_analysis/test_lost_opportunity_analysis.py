import re
import unittest
from unittest.mock import patch

import frappe

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.lost.summary import mark_all_stale, refresh_stale_months
from opportunity_pipeline.opportunity_pipeline.report.lost_opportunity_analysis import (
	lost_opportunity_analysis,
)
from opportunity_pipeline.opportunity_pipeline.report.lost_opportunity_analysis.lost_opportunity_analysis import (
	execute,
)
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import make_opportunity, make_reason, make_territory, make_user

RANGE = {
	"from_date": "2025-04-01",
	"to_date": "2025-06-30",
}  # 91 days: the previous is 2024-12-31..2025-03-31


class TestLostOpportunityAnalysis(IntegrationTestCase):
	"""A seeded set of losses; every expected number below is counted by hand from it."""

	def setUp(self):
		self.company = frappe.defaults.get_global_default("company")
		price = make_reason("_OP R Price", category="_OP Price")
		late = make_reason("_OP R Late", category="_OP Timing")
		budget = make_reason("_OP R Budget", category="_OP Price")
		rival = frappe.get_doc({"doctype": "Competitor", "competitor_name": "_OP Rival X"}).insert(
			ignore_if_duplicate=True
		)
		north, south = make_territory("_OP North"), make_territory("_OP South")
		self.lose("A", "2025-04-10", 1000, [price], north, [rival.name])
		self.lose("B", "2025-05-20", 500, [price, late], south, [rival.name])
		self.lose("C", "2025-05-25", 300, [budget], north)
		self.lose("D", "2025-01-15", 200, [price], north)  # the previous period
		self.lose("E", "2025-07-05", 700, [late], north)  # after the range
		self.north = north
		mark_all_stale()  # the losses were dated behind the app's hooks: the summary recomputes them

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def lose(self, title, lost_on, amount, reasons, territory, competitors=()):
		opportunity = make_opportunity(
			title=f"_OP {title}",
			territory=territory,
			lost_reasons=[{"lost_reason": reason} for reason in reasons],
			competitors=[{"competitor": competitor} for competitor in competitors],
		)
		frappe.db.set_value(
			"Opportunity",
			opportunity.name,
			{
				"status": "Lost",
				"lost_date": f"{lost_on} 11:00:00",
				"opportunity_amount": amount,
				"conversion_rate": 1,
			},
			update_modified=False,
		)

	def report(self, **filters):
		columns, data, _, chart, summary = execute({"company": self.company, **RANGE, **filters})
		ours = [row for row in data if row["group"].startswith("_OP")]
		return columns, {row["group"]: row for row in ours}, chart, summary

	def test_by_reason_per_month_with_the_previous_period(self):
		columns, rows, chart, _ = self.report(periodicity="Monthly", group_by="Reason")

		period_columns = [c["label"] for c in columns if re.fullmatch(r"p\d+_count", c["fieldname"])]
		self.assertEqual(period_columns, ["2025-04", "2025-05", "2025-06"])
		price, late, budget = rows["_OP R Price"], rows["_OP R Late"], rows["_OP R Budget"]
		self.assertEqual((price["p0_count"], price["p1_count"], price.get("p2_count", 0)), (1, 1, 0))
		self.assertEqual((price["total_count"], price["total_amount"]), (2, 1500))
		self.assertEqual(
			(price["previous_count"], price["previous_amount"], price["change"]), (1, 200, 100.0)
		)
		self.assertEqual((late["total_count"], late["total_amount"], late["change"]), (1, 500, None))
		self.assertEqual((budget["p1_count"], budget["total_amount"]), (1, 300))
		self.assertEqual(chart["data"]["labels"], ["2025-04", "2025-05", "2025-06"])
		price_series = next(d for d in chart["data"]["datasets"] if d["name"] == "_OP R Price")
		self.assertEqual(price_series["values"], [1, 1, 0])

	def test_by_category_counts_a_loss_once_per_category(self):
		_, rows, _, _ = self.report(periodicity="Quarterly", group_by="Category")
		price, timing = rows["_OP Price"], rows["_OP Timing"]
		self.assertEqual((price["p0_count"], price["total_amount"]), (3, 1800))  # A, B (two reasons, once), C
		self.assertEqual((price["previous_count"], price["change"]), (1, 200.0))
		self.assertEqual((timing["total_count"], timing["total_amount"]), (1, 500))

	def test_a_reason_stored_twice_still_counts_once(self):
		# Data written before the app (or by SQL) may repeat a reason; the report counts it once.
		a = frappe.db.get_value("Opportunity", {"title": "_OP A"})
		frappe.get_doc(
			{
				"doctype": "Opportunity Lost Reason Detail",
				"parent": a,
				"parenttype": "Opportunity",
				"parentfield": "lost_reasons",
				"idx": 2,
				"lost_reason": "_OP R Price",
			}
		).db_insert()
		_, rows, _, _ = self.report(periodicity="Monthly", group_by="Reason")
		self.assertEqual((rows["_OP R Price"]["total_count"], rows["_OP R Price"]["total_amount"]), (2, 1500))

	def test_summary_counts_only_the_losses_in_the_range_and_the_previous_one(self):
		def others(start, end):
			"""Losses of the site that are not this test's, in [start, end]."""
			return frappe.db.count(
				"Opportunity",
				{
					"status": "Lost",
					"company": self.company,
					"lost_date": ("between", [start, end]),
					"title": ("not like", "\\_OP %"),
				},
			)

		_, _, _, summary = self.report()
		values = {card["label"]: card["value"] for card in summary}
		# A, B and C in the range; D in the previous period; E after the range counts nowhere.
		self.assertEqual(values["Opportunities Lost"], 3 + others(RANGE["from_date"], RANGE["to_date"]))
		self.assertEqual(values["Lost in the Previous Period"], 1 + others("2024-12-31", "2025-03-31"))
		self.assertEqual(values["Lost to _OP Rival X"], 2)

	def test_a_user_limited_to_one_territory_sees_only_its_losses(self):
		seller = make_user("op-north@example.com", roles=("Sales User",))
		frappe.get_doc(
			{"doctype": "User Permission", "user": seller, "allow": "Territory", "for_value": self.north}
		).insert(ignore_permissions=True)

		with self.set_user(seller):
			_, rows, _, summary = self.report(group_by="Reason")

		self.assertEqual(set(rows), {"_OP R Price", "_OP R Budget"})
		self.assertEqual((rows["_OP R Price"]["total_count"], rows["_OP R Price"]["total_amount"]), (1, 1000))
		self.assertEqual(rows["_OP R Price"]["previous_count"], 1)
		values = {card["label"]: card["value"] for card in summary}
		self.assertEqual(values["Opportunities Lost"], 1 + 1)  # A and C
		self.assertEqual(values["Lost to _OP Rival X"], 1)

	def test_a_user_who_cannot_read_opportunities_is_refused(self):
		outsider = make_user("op-outsider@example.com", roles=("Purchase User",))
		with self.set_user(outsider):
			self.assertRaises(frappe.PermissionError, execute, {"company": self.company, **RANGE})

	def test_too_many_stale_months_are_refused_until_the_background_job_has_run(self):
		"""After a reason's category changed every month is stale: a report reads at most
		STALE_MONTHS_READ of them in detail and says so beyond, until refresh_stale_months has run."""
		filters = {"company": self.company, "from_date": "2025-01-01", "to_date": "2025-06-30"}
		with patch.object(lost_opportunity_analysis, "STALE_MONTHS_READ", 2):
			with self.assertRaisesRegex(frappe.ValidationError, "being brought up to date"):
				execute(dict(filters))
			refresh_stale_months()  # what the job queued by the change does
			rows = execute(dict(filters))[1]
		self.assertEqual(rows, execute(dict(filters), use_summary=False)[1])

	def test_months_without_losses_are_never_waited_for(self):
		"""A month without a loss is never built by the background job, so it never counts against
		STALE_MONTHS_READ: a new site's workspace chart and a range with no losses are answered."""
		filters = {"company": self.company, "from_date": "2031-01-01", "to_date": "2031-12-31"}
		with patch.object(lost_opportunity_analysis, "STALE_MONTHS_READ", 2):
			rows = execute(dict(filters))[1]
		self.assertEqual(rows, execute(dict(filters), use_summary=False)[1])


@unittest.skipUnless(frappe_crm.installed(), "Frappe CRM is not installed on this site")
class TestLostDealAnalysis(IntegrationTestCase):
	"""The same report on Frappe CRM's deals, each counted in the month of its loss date."""

	def setUp(self):
		self.company = frappe.defaults.get_global_default("company")
		self.lost = frappe.db.get_value("CRM Deal Status", {"type": "Lost"}, "name")
		for reason in ("_OP Deal Price", "_OP Deal Timing"):
			if not frappe.db.exists("CRM Lost Reason", reason):
				frappe.get_doc({"doctype": "CRM Lost Reason", "lost_reason": reason}).insert()
		self.north = (
			frappe.get_doc({"doctype": "CRM Territory", "territory_name": "_OP Lost North"}).insert().name
		)
		self.lose("2025-04-10", 1000, "_OP Deal Price", self.north)
		self.lose("2025-05-20", 500, "_OP Deal Price")
		self.lose("2025-05-25", 300, "_OP Deal Timing", self.north)
		self.lose("2025-01-15", 200, "_OP Deal Price")  # the previous period
		self.lose("2025-07-05", 700, "_OP Deal Timing")  # after the range
		self.lose("2025-06-02", 400, "_OP Deal Timing")

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def lose(self, day, value, reason, territory=None):
		"""A deal lost on `day` (its loss date, as the app keeps it on every way a deal is lost)."""
		deal = frappe.get_doc(
			{
				"doctype": "CRM Deal",
				"status": frappe.db.get_value("CRM Deal Status", {"type": "Open"}, "name"),
			}
		).insert()
		values = {
			"status": self.lost,
			"lost_reason": reason,
			"deal_value": value,
			"exchange_rate": 1,
			"territory": territory,
			"lost_date": f"{day} 10:00:00",
		}
		frappe.db.set_value("CRM Deal", deal.name, values, update_modified=False)
		return deal.name

	def report(self, **filters):
		columns, data, _, chart, summary = execute(
			{
				"company": self.company,
				"document_type": "CRM Deal",
				"periodicity": "Monthly",
				**RANGE,
				**filters,
			}
		)
		return {row["group"]: row for row in data if row["group"].startswith("_OP")}, summary

	def test_deal_losses_by_reason_per_month_against_the_previous_period(self):
		rows, summary = self.report()
		price, timing = rows["_OP Deal Price"], rows["_OP Deal Timing"]
		self.assertEqual((price["p0_count"], price["p0_amount"], price["p1_count"]), (1, 1000, 1))
		self.assertEqual((price["total_count"], price["total_amount"], price["previous_count"]), (2, 1500, 1))
		self.assertEqual((timing["p1_count"], timing["p2_count"], timing["total_amount"]), (1, 1, 700))
		values = {card["label"]: card["value"] for card in summary}
		self.assertGreaterEqual(values["Opportunities Lost"], 4)

	def test_deal_losses_filtered_by_crm_territory(self):
		rows, _ = self.report(territory=self.north)
		self.assertEqual(
			(rows["_OP Deal Price"]["total_count"], rows["_OP Deal Timing"]["total_count"]), (1, 1)
		)

	def test_a_seller_counts_only_the_lost_deals_frappe_crm_lets_them_list(self):
		"""A seller whom a strict User Permission keeps to one CRM Territory counts only its lost deals."""
		from opportunity_pipeline.tests.factories import make_user
		from opportunity_pipeline.tests.test_permissions import strict_user_permissions

		seller = make_user("op-lost-deal-seller@example.com", roles=("Sales User",))
		frappe.get_doc(
			{"doctype": "User Permission", "user": seller, "allow": "CRM Territory", "for_value": self.north}
		).insert(ignore_permissions=True)
		with strict_user_permissions(), self.set_user(seller):
			rows, _ = self.report()
			listed = frappe.get_list("CRM Deal", {"lost_reason": ("like", "_OP Deal%")}, pluck="deal_value")
		self.assertEqual(sorted(listed), [300, 1000])  # North's two, both lost in the range
		self.assertEqual(
			{reason: (row["total_count"], row["total_amount"]) for reason, row in rows.items()},
			{"_OP Deal Price": (1, 1000), "_OP Deal Timing": (1, 300)},
		)

	def test_what_deals_do_not_have_is_refused(self):
		for filters in ({"group_by": "Category"}, {"converted_by": "Administrator"}, {"sales_stage": "x"}):
			with self.subTest(filters=filters), self.assertRaises(frappe.ValidationError):
				self.report(**filters)
