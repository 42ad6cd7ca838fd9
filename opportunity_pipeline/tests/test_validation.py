"""Bad input to every whitelisted method, report and chart source: a clear ValidationError or
PermissionError, fast, and not one row written."""

import time

import frappe
from frappe.exceptions import FrappeTypeError
from frappe.utils import add_days, today

from opportunity_pipeline import api
from opportunity_pipeline.opportunity_pipeline.dashboard_chart_source.lost_opportunities_by_reason import (
	lost_opportunities_by_reason,
)
from opportunity_pipeline.opportunity_pipeline.dashboard_chart_source.open_opportunities_by_sales_stage import (
	open_opportunities_by_sales_stage,
)
from opportunity_pipeline.opportunity_pipeline.report.lost_opportunity_analysis import (
	lost_opportunity_analysis,
)
from opportunity_pipeline.opportunity_pipeline.report.opportunity_pipeline_forecast import (
	opportunity_pipeline_forecast,
)
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import make_opportunity, make_reason, make_user

# Where a bad call could leave a trace.
WATCHED_TABLES = (
	"Opportunity",
	"Opportunity Lost Reason Detail",
	"Competitor Detail",
	"Opportunity Lost Reason",
	"Quotation",
	"Supplier Quotation",
	"Comment",
	"Event",
	"ToDo",
	"Notification Log",
	"Version",
	"Communication",
	"Error Log",
)
SQL_LOOKING = "x' OR '1'='1'; DROP TABLE `tabOpportunity`; --"
HUGE = 10**12
ANSWER_WITHIN_SECONDS = 1.0


class TestBadInput(IntegrationTestCase):
	def setUp(self):
		self.company = frappe.defaults.get_global_default("company")
		self.manager = make_user(
			"op-bad-input-manager@example.com", roles=("Sales User", "Sales Manager", "System Manager")
		)
		self.seller = make_user("op-bad-input-seller@example.com", roles=("Sales User",))
		self.outsider = make_user("op-bad-input-outsider@example.com", roles=("Purchase User",))
		self.opportunity = make_opportunity().name
		self.disabled_reason = make_reason("_OP Bad Input Retired", disabled=1)
		self.other_company = self.company_the_seller_may_not_see()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def company_the_seller_may_not_see(self):
		other = frappe.get_all("Company", filters={"name": ("!=", self.company)}, pluck="name", limit=1)
		if not other:
			other = [
				frappe.get_doc(
					{
						"doctype": "Company",
						"company_name": "_OP Other Company",
						"abbr": "_OPOC",
						"default_currency": frappe.get_cached_value(
							"Company", self.company, "default_currency"
						),
						"country": frappe.get_cached_value("Company", self.company, "country"),
					}
				)
				.insert()
				.name
			]
		frappe.get_doc(
			{"doctype": "User Permission", "user": self.seller, "allow": "Company", "for_value": self.company}
		).insert(ignore_permissions=True)
		return other[0]

	def cases(self):
		"""(what, user, call, expected error)."""
		V, P = frappe.ValidationError, frappe.PermissionError
		# A value of the wrong type for an annotated argument: Frappe refuses it before the app runs.
		T = (frappe.ValidationError, FrappeTypeError)
		opp, company = self.opportunity, self.company
		lost = api.declare_lost
		forecast = opportunity_pipeline_forecast.execute
		analysis = lost_opportunity_analysis.execute
		lost_chart = lost_opportunities_by_reason.get
		stage_chart = open_opportunities_by_sales_stage.get
		dates = {"from_date": add_days(today(), -30), "to_date": today()}
		manager, seller, outsider = self.manager, self.seller, self.outsider
		cases = [
			# declare_lost
			("lost: reasons as a bare string", manager, lambda: lost(opp, "Price"), V),
			("lost: blank reason", manager, lambda: lost(opp, [{"lost_reason": ""}]), V),
			("lost: blank reason, JSON", manager, lambda: lost(opp, '[{"lost_reason": ""}]'), V),
			("lost: no reason", manager, lambda: lost(opp, []), V),
			("lost: nonexistent reason", manager, lambda: lost(opp, ["_OP No Such Reason"]), V),
			("lost: disabled reason", manager, lambda: lost(opp, [self.disabled_reason]), V),
			("lost: nested list", manager, lambda: lost(opp, [["Price"]]), V),
			("lost: object instead of list", manager, lambda: lost(opp, {"lost_reason": "Price"}), V),
			("lost: SQL-looking reason", manager, lambda: lost(opp, [SQL_LOOKING]), V),
			("lost: nonexistent opportunity", manager, lambda: lost("_OP-NOPE", ["Price"]), V),
			("lost: opportunity as a list", manager, lambda: lost([opp], ["Price"]), T),
			("lost: competitors as a bare string", manager, lambda: lost(opp, ["Price"], "Rival"), V),
			("lost: detailed reason as an object", manager, lambda: lost(opp, ["Price"], [], {"a": 1}), T),
			("lost: by a user who may not write it", outsider, lambda: lost(opp, ["Price"]), P),
			# make_quotation / make_supplier_quotation
			("quotation: nonexistent opportunity", manager, lambda: api.make_quotation("_OP-NOPE"), V),
			("quotation: blank", manager, lambda: api.make_quotation(""), V),
			("quotation: SQL-looking", manager, lambda: api.make_quotation(SQL_LOOKING), V),
			("quotation: target not JSON", manager, lambda: api.make_quotation(opp, "{not json"), V),
			(
				"quotation: target of another DocType",
				manager,
				lambda: api.make_quotation(opp, '{"doctype": "User", "name": "x"}'),
				V,
			),
			("quotation: by an outsider", outsider, lambda: api.make_quotation(opp), P),
			("supplier quotation: nonexistent", manager, lambda: api.make_supplier_quotation("_OP-NOPE"), V),
			("supplier quotation: by an outsider", outsider, lambda: api.make_supplier_quotation(opp), P),
			# number cards
			("card: filters not JSON", manager, lambda: api.open_pipeline_card("{bad"), V),
			("card: filters a number", manager, lambda: api.open_pipeline_card(42), V),
			(
				"card: nonexistent company",
				manager,
				lambda: api.open_pipeline_card({"company": "_OP No Co"}),
				V,
			),
			(
				"card: company as a list",
				manager,
				lambda: api.weighted_pipeline_card({"company": [company]}),
				V,
			),
			(
				"card: another company",
				seller,
				lambda: api.open_pipeline_card({"company": self.other_company}),
				P,
			),
			("card: by an outsider", outsider, lambda: api.weighted_pipeline_card({"company": company}), P),
			# auto-close preview and run
			("preview: negative limit", manager, lambda: api.preview_auto_close(limit=-5), V),
			("preview: huge limit", manager, lambda: api.preview_auto_close(limit=HUGE), V),
			("preview: limit not a number", manager, lambda: api.preview_auto_close(limit="all"), T),
			("preview: fractional limit", manager, lambda: api.preview_auto_close(limit=2.5), T),
			("preview: negative days", manager, lambda: api.preview_auto_close(days=-1), V),
			("preview: huge days", manager, lambda: api.preview_auto_close(days=HUGE), V),
			(
				"preview: unknown status",
				manager,
				lambda: api.preview_auto_close(days=5, statuses=["Lost"]),
				V,
			),
			(
				"preview: statuses not a list",
				manager,
				lambda: api.preview_auto_close(days=5, statuses="Open"),
				V,
			),
			(
				"preview: SQL-looking status",
				manager,
				lambda: api.preview_auto_close(days=5, statuses=[SQL_LOOKING]),
				V,
			),
			("preview: by a seller", seller, lambda: api.preview_auto_close(), P),
			("run: by a seller", seller, lambda: api.run_auto_close(), P),
		]
		for name, report in (("forecast", forecast), ("analysis", analysis)):
			cases += [
				(f"{name}: no company", manager, lambda r=report: r({**dates}), V),
				(
					f"{name}: nonexistent company",
					manager,
					lambda r=report: r({"company": "_OP No Co", **dates}),
					V,
				),
				(
					f"{name}: company as a list",
					manager,
					lambda r=report: r({"company": [company], **dates}),
					V,
				),
				(
					f"{name}: another company",
					seller,
					lambda r=report: r({"company": self.other_company, **dates}),
					P,
				),
				(
					f"{name}: reversed range",
					manager,
					lambda r=report: r({"company": company, "from_date": today(), "to_date": "2020-01-01"}),
					V,
				),
				(
					f"{name}: huge range",
					manager,
					lambda r=report: r(
						{"company": company, "from_date": "1000-01-01", "to_date": "9999-12-31"}
					),
					V,
				),
				(
					f"{name}: not a date",
					manager,
					lambda r=report: r({"company": company, "from_date": "soon", "to_date": today()}),
					V,
				),
				(
					f"{name}: date as a number",
					manager,
					lambda r=report: r({"company": company, "from_date": 20250101, "to_date": today()}),
					V,
				),
				(
					f"{name}: unknown periodicity",
					manager,
					lambda r=report: r({"company": company, **dates, "periodicity": "Hourly"}),
					V,
				),
				(
					f"{name}: SQL-looking group",
					manager,
					lambda r=report: r({"company": company, **dates, "group_by": SQL_LOOKING}),
					V,
				),
				(
					f"{name}: territory as a list",
					manager,
					lambda r=report: r({"company": company, **dates, "territory": ["a", "b"]}),
					V,
				),
				(f"{name}: by an outsider", outsider, lambda r=report: r({"company": company, **dates}), P),
				(
					f"{name}: territory as a list, whole months only",
					manager,
					lambda r=report: r(
						{
							"company": company,
							"from_date": "2025-01-01",
							"to_date": "2025-03-31",
							"territory": ["a", "b"],
						}
					),
					V,
				),
			]
		cases += [
			("health: no company", manager, lambda: api.pipeline_health(None), V),
			("health: company a list", manager, lambda: api.pipeline_health([company]), V),
			("health: nonexistent company", manager, lambda: api.pipeline_health("_OP No Co"), V),
			("health: another company", seller, lambda: api.pipeline_health(self.other_company), P),
			("health: nonexistent user", manager, lambda: api.pipeline_health(company, SQL_LOOKING), V),
			("health: user a list", manager, lambda: api.pipeline_health(company, ["Administrator"]), V),
			("health: by an outsider", outsider, lambda: api.pipeline_health(company), P),
			("health: limit 0", manager, lambda: api.pipeline_health(company, limit=0), V),
			("health: limit too large", manager, lambda: api.pipeline_health(company, limit=10**6), V),
			("health: limit not a number", manager, lambda: api.pipeline_health(company, limit="all"), V),
		]
		for name, chart in (("lost chart", lost_chart), ("stage chart", stage_chart)):
			cases += [
				(f"{name}: nonexistent chart", manager, lambda c=chart: c(chart_name="_OP No Chart"), V),
				(f"{name}: chart not JSON", manager, lambda c=chart: c(chart="{bad"), V),
				(
					f"{name}: filters not JSON",
					manager,
					lambda c=chart: c(chart={"name": "x"}, filters="{bad"),
					V,
				),
				(
					f"{name}: nonexistent company",
					manager,
					lambda c=chart: c(chart={"name": "x"}, filters={"company": "_OP No Co"}),
					V,
				),
				(
					f"{name}: another company",
					seller,
					lambda c=chart: c(chart={"name": "x"}, filters={"company": self.other_company}),
					P,
				),
				(
					f"{name}: by an outsider",
					outsider,
					lambda c=chart: c(chart={"name": "x"}, filters={"company": company}),
					P,
				),
			]
		return cases

	def rows(self):
		return {table: frappe.db.count(table) for table in WATCHED_TABLES}

	def test_every_bad_input_is_refused_clearly_fast_and_writes_nothing(self):
		cases = self.cases()
		before = self.rows()
		for what, user, call, error in cases:
			with self.subTest(what), self.set_user(user):
				started = time.monotonic()
				with self.assertRaises(error) as raised:
					call()
				self.assertLess(time.monotonic() - started, ANSWER_WITHIN_SECONDS)
				said = str(raised.exception).strip() or frappe.get_message_log()[-1:]
				self.assertTrue(said, "the error says what is wrong")
				frappe.clear_messages()
		self.assertEqual(self.rows(), before)
		self.assertGreaterEqual(len(cases), 77)  # the table only grows
