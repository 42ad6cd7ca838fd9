"""The Opportunity Pipeline Forecast on 1,000,000 opportunities, beside ERPNext's Sales Pipeline Analytics.

Claim (issue #7): the app's forecast answers in under 1 s on this machine with its index, over the next
twelve months of expected closings, by sales stage per month and by each other grouping per quarter,
with the overdue and undated opportunities apart. ERPNext's Sales Pipeline
Analytics (by sales stage, per month, amounts) runs on the same data in the same process. Where the site
has Frappe CRM, the same claim on 1,000,000 of its deals (`--deals`), beside a bare GROUP BY of them
(Frappe CRM has no forecast to compare with). Run it on a throwaway site (it commits rows and deletes them
at the end):

	cd ~/frappe-bench && env/bin/python apps/opportunity_pipeline/benchmarks/forecast.py --site bench.localhost
"""

import statistics
import sys
import time
from datetime import timedelta

import frappe
from frappe.utils import add_days, add_months, get_first_day, getdate, now_datetime

from erpnext.crm.report.sales_pipeline_analytics.sales_pipeline_analytics import (
	execute as sales_pipeline_analytics,
)

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.document_types import open_statuses, status_type, statuses_in
from opportunity_pipeline.forecast_category.rules import OPEN_CATEGORIES
from opportunity_pipeline.opportunity_pipeline.report.opportunity_pipeline_forecast.opportunity_pipeline_forecast import (
	execute as pipeline_forecast,
)
from opportunity_pipeline.pipeline_document import CRM_DEAL
from opportunity_pipeline.tests.factories import make_customer, make_territory

import common

PREFIX = "BENCH-FC-"
RESTRICTED_USER = "bench-fc-territory@example.com"
CUSTOMER = "BENCH-FC Benchmark Customer"
TERRITORIES = [f"BENCH-FC Territory {n}" for n in range(6)]
LIMIT_SECONDS = 1.0


def parse_args():
	parser = common.argument_parser(__doc__.splitlines()[0])
	parser.add_argument("--total", type=int, default=1_000_000)
	parser.add_argument(
		"--deals", type=int, default=1_000_000, help="Frappe CRM deals, where it is installed"
	)
	parser.add_argument("--rounds", type=int, default=5, help="rounds, the first one cold (at least 3)")
	parser.add_argument(
		"--keep", action="store_true", help="keep the rows for another run, which reuses them"
	)
	return parser.parse_args()


def seed(total: int) -> int:
	"""`total` opportunities; the open ones close from six months ago to eighteen months ahead (one in
	fifty undated), across the sales stages with their probabilities, six territories, and a quarter in
	another currency at a rate of 1.1."""
	stages = frappe.get_all("Sales Stage", fields=["name", "probability"], order_by="stage_order asc")
	if not stages:
		sys.exit("No Sales Stage on this site: run erpnext.setup.utils.before_tests first.")
	for name in TERRITORIES:
		make_territory(name)
	make_customer(CUSTOMER)
	frappe.db.commit()
	today = getdate()
	status = lambda i: common.STATUS_CYCLE[i % len(common.STATUS_CYCLE)]  # noqa: E731
	common.insert_opportunities(
		PREFIX,
		total,
		CUSTOMER,
		"Open",
		now_datetime() - timedelta(days=400),
		extra={
			"status": status,
			"expected_closing": lambda i: (
				None if i % 50 == 5 else today + timedelta(days=(i * 7) % 720 - 180)
			),
			"sales_stage": lambda i: stages[i % len(stages)].name,
			"probability": lambda i: stages[i % len(stages)].probability or 50,
			"territory": lambda i: TERRITORIES[i % len(TERRITORIES)],
			"opportunity_amount": lambda i: 100 + i % 900,
			"conversion_rate": lambda i: 1.1 if i % 4 == 0 else 1,
			"forecast_category": lambda i: OPEN_CATEGORIES[i % len(OPEN_CATEGORIES)],
		},
	)
	return sum(1 for i in range(total) if status(i) == "Open")


def clean():
	frappe.db.sql("delete from `tabOpportunity` where name like %s", f"{PREFIX}%")
	frappe.db.commit()


def seeded(doctype: str, prefix: str, total: int, clean_up, seed_rows, what: str):
	"""`total` rows of `doctype` named from `prefix` (`what`, in the output): those of a run with --keep,
	or cleaned and seeded anew (seed_rows(total) returns how many are open); then fresh statistics."""
	if frappe.db.count(doctype, {"name": ("like", f"{prefix}%")}) != total:
		clean_up()
		began = time.perf_counter()
		open_count = seed_rows(total)
		print(f"  seeded {total:,} {what}, {open_count:,} open, " f"in {time.perf_counter() - began:.0f} s")
	common.settle(doctype)


DEAL_PREFIX = "BENCH-FCD-"
DEAL_RESTRICTED_USER = "bench-fcd-territory@example.com"


def seed_deals(total: int) -> int:
	"""`total` deals shaped as the opportunities above: two in ten open, across the open statuses with
	their probabilities, closing from six months ago to eighteen months ahead, six CRM Territories, four
	owners, a quarter at a rate of 1.1; the others won or lost."""
	for name in TERRITORIES:
		if not frappe.db.exists("CRM Territory", name):
			frappe.get_doc({"doctype": "CRM Territory", "territory_name": name}).insert()
	frappe.db.commit()
	opened = open_statuses(CRM_DEAL)
	closed = statuses_in(CRM_DEAL, CRM_DEAL.status_groups.won + CRM_DEAL.status_groups.lost)
	owners = ["Administrator", *frappe.get_all("User", {"user_type": "System User"}, pluck="name", limit=3)]
	today = getdate()
	is_open = lambda i: common.STATUS_CYCLE[i % len(common.STATUS_CYCLE)] == "Open"  # noqa: E731
	status = lambda i: opened[(i // 5) % len(opened)] if is_open(i) else closed[i % len(closed)]  # noqa: E731
	common.insert_deals(
		DEAL_PREFIX,
		total,
		status,
		now_datetime() - timedelta(days=400),
		extra={
			"expected_closure_date": lambda i: (
				None if i % 50 == 5 else today + timedelta(days=(i * 7) % 720 - 180)
			),
			"probability": lambda i: 10 + (i // 5) % len(opened) * 20,
			"territory": lambda i: TERRITORIES[i % len(TERRITORIES)],
			"deal_owner": lambda i: owners[i % len(owners)],
			"deal_value": lambda i: 100 + i % 900,
			"exchange_rate": lambda i: 1.1 if i % 4 == 0 else 1,
			"forecast_category": lambda i: OPEN_CATEGORIES[i % len(OPEN_CATEGORIES)],
		},
		status_type=lambda value: status_type(CRM_DEAL, value),
	)
	return sum(1 for i in range(total) if is_open(i))


def claimed_groupings(title: str, filters: dict, stage: str, per_quarter, result: dict) -> dict:
	"""The claimed measures of the forecast on one document type: by its stage (`stage`, in the name) per
	month, its summary kept in `result`, and by each (Group By, name) of `per_quarter` per quarter."""
	return {
		f"{title}, by {stage} per month": lambda: result.update(
			summary=pipeline_forecast({**filters, "group_by": "Sales Stage"})[4]
		),
		**{
			f"{title}, by {label} per quarter": (
				lambda group_by=group_by: pipeline_forecast(
					{**filters, "group_by": group_by, "periodicity": "Quarterly"}
				)
			)
			for group_by, label in per_quarter
		},
	}


def deal_times(args, ours: dict) -> tuple[dict, dict]:
	"""Seed, time and clean the deals: (times, the forecast's summary)."""
	deals = {**ours, "document_type": CRM_DEAL.doctype}
	result = {}
	try:
		seeded(
			"CRM Deal", DEAL_PREFIX, args.deals, lambda: common.delete_deals(DEAL_PREFIX), seed_deals, "deals"
		)
		restricted_user = common.territory_restricted_user(
			DEAL_RESTRICTED_USER, TERRITORIES[0], allow="CRM Territory"
		)
		measures = {
			**claimed_groupings(
				"Pipeline Forecast on deals",
				deals,
				"status",
				(
					("Territory", "territory"),
					("Opportunity Owner", "deal owner"),
					("Forecast Category", "forecast category"),
				),
				result,
			),
			"  a Sales User restricted to one CRM Territory, by status": common.as_user(
				restricted_user, lambda: pipeline_forecast({**deals, "group_by": "Sales Stage"})
			),
			"bare GROUP BY status x month, same open deals (reference)": lambda: bare_deal_group_by(
				ours["from_date"], ours["to_date"]
			),
		}
		times = common.timed_rounds(measures, args.rounds)
	finally:
		if not args.keep:
			common.delete_deals(DEAL_PREFIX)
		common.delete_user(DEAL_RESTRICTED_USER)
	return times, result


def main():
	args = parse_args()
	common.connect(args.site, args.sites_path)
	company = frappe.defaults.get_global_default("company")
	start = get_first_day(getdate())
	end = add_days(add_months(start, 12), -1)
	ours = {"company": company, "from_date": start, "to_date": end}
	theirs = {
		**ours,
		"pipeline_by": "Sales Stage",
		"based_on": "Amount",
		"range": "Monthly",
		"status": "Open",
	}
	print(f"site {args.site}, Frappe {frappe.__version__}\n")
	try:
		seeded("Opportunity", PREFIX, args.total, clean, seed, "opportunities")
		restricted_user = common.territory_restricted_user(RESTRICTED_USER, TERRITORIES[0])
		result = {}
		measures = {
			**claimed_groupings(
				"Opportunity Pipeline Forecast",
				ours,
				"sales stage",
				[
					(group_by, group_by.lower())
					for group_by in (
						"Territory",
						"Opportunity Type",
						"Opportunity Owner",
						"Converted By",
						"Forecast Category",
					)
				],
				result,
			),
			"  a Sales User restricted to one territory, by stage": common.as_user(
				restricted_user, lambda: pipeline_forecast({**ours, "group_by": "Sales Stage"})
			),
			"ERPNext's Sales Pipeline Analytics, by stage, amounts": lambda: sales_pipeline_analytics(
				frappe._dict(theirs)
			),
			"bare GROUP BY stage x month, same open rows (reference)": lambda: bare_group_by(
				company, start, end
			),
		}
		times = common.timed_rounds(measures, args.rounds)
	finally:
		if not args.keep:
			clean()
		common.delete_user(RESTRICTED_USER)
	with_deals = frappe_crm.installed() and args.deals
	if with_deals:
		deal_times_, deal_result = deal_times(args, ours)

	values = {card["label"]: card["value"] for card in result["summary"]}
	print(
		f"  forecast: {values['Open Opportunities']:,} open in the next 12 months, "
		f"{values['Overdue']:,} overdue, {values['Without Expected Closing']:,} undated\n"
	)
	claims = {name: LIMIT_SECONDS for name in measures if name.startswith("Opportunity Pipeline Forecast")}
	ok = common.print_rounds(times, claims)
	by_stage = statistics.median(times["Opportunity Pipeline Forecast, by sales stage per month"])
	erpnext = statistics.median(times["ERPNext's Sales Pipeline Analytics, by stage, amounts"])
	reference = statistics.median(times["bare GROUP BY stage x month, same open rows (reference)"])
	print(
		f"\n  medians: the app's forecast takes {by_stage / erpnext:.2f}x ERPNext's report and "
		f"{by_stage / reference:.2f}x the bare GROUP BY"
	)
	if with_deals:
		values = {card["label"]: card["value"] for card in deal_result["summary"]}
		print(
			f"\nFrappe CRM's deals: {values['Open Opportunities']:,} open in the next 12 months, "
			f"{values['Overdue']:,} overdue, {values['Without Expected Closing']:,} undated\n"
		)
		claims = {name: LIMIT_SECONDS for name in deal_times_ if name.startswith("Pipeline Forecast")}
		ok = common.print_rounds(deal_times_, claims) and ok
		by_status = statistics.median(deal_times_["Pipeline Forecast on deals, by status per month"])
		reference = statistics.median(
			deal_times_["bare GROUP BY status x month, same open deals (reference)"]
		)
		print(
			f"\n  medians: the app's forecast of deals takes {by_status / reference:.2f}x the bare GROUP BY"
		)
	else:
		print("\n(no Frappe CRM on this site, or --deals 0: deals not measured)")
	print(f"\n{'PASS' if ok else 'FAIL'}: every grouping at most {LIMIT_SECONDS:g} s at its slowest round")
	sys.exit(0 if ok else 1)


def bare_group_by(company, start, end):
	"""The physical reference: one plain GROUP BY stage x month over the open rows in the range."""
	return frappe.db.sql(
		"""select sales_stage, year(expected_closing), month(expected_closing), count(*),
			sum(opportunity_amount * conversion_rate), sum(opportunity_amount * conversion_rate * probability / 100)
		from `tabOpportunity`
		where status in ('Open', 'Replied', 'Quotation') and company = %s and expected_closing between %s and %s
		group by sales_stage, year(expected_closing), month(expected_closing)""",
		(company, start, end),
	)


def bare_deal_group_by(start, end):
	"""The physical reference on deals: one plain GROUP BY status x month over the open deals in range."""
	return frappe.db.sql(
		"""select status, year(expected_closure_date), month(expected_closure_date), count(*),
			sum(deal_value * exchange_rate), sum(deal_value * exchange_rate * probability / 100)
		from `tabCRM Deal`
		where status in %(open)s and expected_closure_date between %(start)s and %(end)s
		group by status, year(expected_closure_date), month(expected_closure_date)""",
		{"open": open_statuses(CRM_DEAL), "start": start, "end": end},
	)


if __name__ == "__main__":
	main()
