"""The Lost Opportunity Analysis on 1,000,000 opportunities (100,000 lost), beside ERPNext's Lost Opportunity.

Claim (issue #6): the app's report answers in under 1 s on this machine with its indexes, over a year of
losses grouped by reason per month, with the previous period and the competitors. ERPNext's flat Lost
Opportunity report runs on the same data in the same process for comparison. Where the site has Frappe
CRM, the same claim on 1,000,000 of its deals (`--deals`, a tenth of them lost), beside a bare GROUP BY of
them (Frappe CRM has no loss analysis to compare with). Run it on a throwaway site (it commits rows and
deletes them at the end):

	cd ~/frappe-bench && env/bin/python apps/opportunity_pipeline/benchmarks/lost_analysis.py --site bench.localhost
"""

import statistics
import sys
import time
from datetime import timedelta

import frappe
from frappe.utils import add_days, getdate, now_datetime

from erpnext.crm.report.lost_opportunity.lost_opportunity import execute as erpnext_lost_opportunity

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.document_types import open_statuses, status_type, statuses_in
from opportunity_pipeline.lost.deal_losses import date_past_losses
from opportunity_pipeline.lost.summary import rebuild
from opportunity_pipeline.opportunity_pipeline.report.lost_opportunity_analysis.lost_opportunity_analysis import (
	execute as lost_opportunity_analysis,
)
from opportunity_pipeline.pipeline_document import CRM_DEAL
from opportunity_pipeline.tests.factories import make_competitor, make_customer, make_territory

import common

PREFIX = "BENCH-LA-"
RESTRICTED_USER = "bench-la-territory@example.com"
TERRITORIES = ["BENCH-LA Territory 0", "BENCH-LA Territory 1"]
CUSTOMER = "BENCH-LA Benchmark Customer"
REASONS = [f"BENCH-LA Reason {n}" for n in range(12)]
COMPETITORS = [f"BENCH-LA Rival {n}" for n in range(5)]
LIMIT_SECONDS = 1.0


def parse_args():
	parser = common.argument_parser(__doc__.splitlines()[0])
	parser.add_argument("--total", type=int, default=1_000_000)
	parser.add_argument("--lost", type=int, default=100_000)
	parser.add_argument(
		"--deals", type=int, default=1_000_000, help="Frappe CRM deals, where it is installed"
	)
	parser.add_argument("--rounds", type=int, default=5, help="rounds, the first one cold (at least 3)")
	parser.add_argument("--deals-only", action="store_true", help="only Frappe CRM's deals")
	return parser.parse_args()


def seed(total: int, lost: int):
	"""`total` opportunities, one in total/lost of them lost over the last two years with one or two reasons."""
	for name in REASONS:
		if not frappe.db.exists("Opportunity Lost Reason", name):
			frappe.get_doc(
				{"doctype": "Opportunity Lost Reason", "lost_reason": name, "category": name[-1]}
			).insert()
	for name in COMPETITORS:
		make_competitor(name)
	for name in TERRITORIES:
		make_territory(name)
	make_customer(CUSTOMER)
	frappe.db.commit()
	step = total // lost
	now = now_datetime()
	is_lost = lambda i: i % step == 0  # noqa: E731
	common.insert_opportunities(
		PREFIX,
		total,
		CUSTOMER,
		"Open",
		now - timedelta(days=800),
		extra={
			"status": lambda i: "Lost" if is_lost(i) else "Open",
			"lost_date": lambda i: (
				now - timedelta(days=(i // step) % 730, hours=i % 24) if is_lost(i) else None
			),
			"opportunity_amount": lambda i: 100 + i % 900,
			"conversion_rate": lambda i: 1,
			"territory": lambda i: TERRITORIES[(i // step) % 2],
		},
	)
	lost_names = [f"{PREFIX}{1 + i:07d}" for i in range(total) if is_lost(i)]
	reason_rows, competitor_rows = [], []
	for n, name in enumerate(lost_names):
		for idx, reason in enumerate({REASONS[n % 12], REASONS[(n * 7) % 12]}, start=1):
			reason_rows.append((f"{name}-r{idx}", name, "Opportunity", "lost_reasons", idx, reason))
		if n % 3 == 0:
			competitor_rows.append((f"{name}-c", name, "Opportunity", "competitors", 1, COMPETITORS[n % 5]))
	fields = ["name", "parent", "parenttype", "parentfield", "idx"]
	frappe.db.bulk_insert("Opportunity Lost Reason Detail", [*fields, "lost_reason"], reason_rows)
	frappe.db.bulk_insert("Competitor Detail", [*fields, "competitor"], competitor_rows)
	frappe.db.commit()
	return len(lost_names)


def clean():
	like = f"{PREFIX}%"
	for table in ("Opportunity Lost Reason Detail", "Competitor Detail"):
		frappe.db.sql(f"delete from `tab{table}` where parent like %s", like)
	frappe.db.sql("delete from `tabOpportunity` where name like %s", like)
	frappe.db.delete("Opportunity Loss Summary")  # derived: recomputed from what is left when next read
	frappe.db.commit()


def bare_group_by(filters):
	"""The physical reference: one plain GROUP BY reason x month over the same lost rows."""
	return frappe.db.sql(
		"""select d.lost_reason, year(o.lost_date), month(o.lost_date), count(*),
			sum(o.opportunity_amount * o.conversion_rate)
		from `tabOpportunity` o straight_join `tabOpportunity Lost Reason Detail` d
			on d.parent = o.name and d.parenttype = 'Opportunity'
		where o.status = 'Lost' and o.company = %(company)s and o.lost_date between %(from_date)s and %(to_date)s
		group by d.lost_reason, year(o.lost_date), month(o.lost_date)""",
		filters,
	)


DEAL_PREFIX = "BENCH-LAD-"
DEAL_RESTRICTED_USER = "bench-lad-territory@example.com"


def seed_deals(total: int, lost: int) -> int:
	"""`total` deals shaped as the opportunities above: one in total/lost of them lost over the last two
	years with one reason (Frappe CRM asks for one), the status change log's row of the loss begun then
	and no loss date yet (as on a site before the app dated deals' losses); the others open since long
	before."""
	for name in REASONS:
		if not frappe.db.exists("CRM Lost Reason", name):
			frappe.get_doc({"doctype": "CRM Lost Reason", "lost_reason": name}).insert()
	for name in TERRITORIES:
		if not frappe.db.exists("CRM Territory", name):
			frappe.get_doc({"doctype": "CRM Territory", "territory_name": name}).insert()
	frappe.db.commit()
	step, now = total // lost, now_datetime()
	lost_status = statuses_in(CRM_DEAL, CRM_DEAL.status_groups.lost)[0]
	open_status = open_statuses(CRM_DEAL)[0]
	is_lost = lambda i: i % step == 0  # noqa: E731
	long_ago = now - timedelta(days=800)
	common.insert_deals(
		DEAL_PREFIX,
		total,
		lambda i: lost_status if is_lost(i) else open_status,
		long_ago,
		extra={
			"lost_reason": lambda i: REASONS[(i // step) % 12] if is_lost(i) else None,
			"deal_value": lambda i: 100 + i % 900,
			"territory": lambda i: TERRITORIES[(i // step) % 2],
		},
		status_type=lambda value: status_type(CRM_DEAL, value),
		status_since=lambda i: (
			now - timedelta(days=(i // step) % 730, hours=i % 24) if is_lost(i) else long_ago
		),
	)
	return sum(1 for i in range(total) if is_lost(i))


def bare_deal_group_by(filters):
	"""The physical reference on deals: one plain GROUP BY reason x month over the same lost deals, by
	their loss date."""
	return frappe.db.sql(
		"""select lost_reason, year(lost_date), month(lost_date), count(*),
			sum(deal_value * exchange_rate)
		from `tabCRM Deal`
		where status in %(lost)s and lost_date between %(from_date)s and %(to_date)s
		group by lost_reason, year(lost_date), month(lost_date)""",
		{**filters, "lost": statuses_in(CRM_DEAL, CRM_DEAL.status_groups.lost)},
	)


def date_seeded_losses() -> float:
	"""Date the seeded losses as the patch date_deal_losses dates a site's past ones (from the status
	change log): its seconds."""
	start = time.perf_counter()
	date_past_losses()
	frappe.db.commit()
	return time.perf_counter() - start


def deal_times(args, filters: dict) -> tuple[dict, dict]:
	"""Seed, time and clean the deals: (times, the report's rows by reason)."""
	monthly = {**filters, "periodicity": "Monthly", "document_type": CRM_DEAL.doctype}
	rows = {}
	try:
		common.delete_deals(DEAL_PREFIX)
		start = time.perf_counter()
		lost = seed_deals(args.deals, args.deals // 10)
		print(f"  seeded {args.deals:,} deals, {lost:,} lost, in {time.perf_counter() - start:.0f} s")
		common.settle("CRM Deal", "CRM Status Change Log")
		print(f"  their losses dated from the status change log (the patch) in {date_seeded_losses():.1f} s")
		common.settle("CRM Deal")
		restricted_user = common.territory_restricted_user(
			DEAL_RESTRICTED_USER, TERRITORIES[0], allow="CRM Territory"
		)
		measures = {
			"Lost Opportunity Analysis on deals, by reason per month": lambda: rows.update(
				data=lost_opportunity_analysis(monthly)[1]
			),
			"  a Sales User restricted to one CRM Territory, by reason": common.as_user(
				restricted_user, lambda: lost_opportunity_analysis(monthly)
			),
			"bare GROUP BY reason x month, same lost deals (reference)": lambda: bare_deal_group_by(filters),
		}
		times = common.timed_rounds(measures, args.rounds)
	finally:
		common.delete_deals(DEAL_PREFIX)
		common.delete_user(DEAL_RESTRICTED_USER)
	return times, rows


def opportunity_claims(args, filters: dict, monthly: dict) -> bool:
	"""Seed, time and clean the opportunities, and print their claims: whether they hold."""
	try:
		clean()
		start = time.perf_counter()
		lost = seed(args.total, args.lost)
		print(f"  seeded {args.total:,} opportunities, {lost:,} lost, in {time.perf_counter() - start:.0f} s")
		common.settle("Opportunity", "Opportunity Lost Reason Detail", "Competitor Detail")
		start = time.perf_counter()
		months = rebuild()
		frappe.db.commit()
		print(f"  losses summary rebuilt ({months} months) in {time.perf_counter() - start:.1f} s")
		restricted_user = common.territory_restricted_user(RESTRICTED_USER, TERRITORIES[0])
		rows = {}
		measures = {
			"Lost Opportunity Analysis, by reason per month": lambda: rows.update(
				data=lost_opportunity_analysis(monthly)[1]
			),
			"Lost Opportunity Analysis, by category per quarter": lambda: lost_opportunity_analysis(
				{**filters, "periodicity": "Quarterly", "group_by": "Category"}
			),
			"  the same by reason, every loss read (no summary)": lambda: lost_opportunity_analysis(
				monthly, use_summary=False
			),
			"  a Sales User restricted to one territory, by reason": common.as_user(
				restricted_user, lambda: lost_opportunity_analysis(monthly)
			),
			"ERPNext's Lost Opportunity, flat list, same range": lambda: erpnext_lost_opportunity(
				frappe._dict(filters)
			),
			"bare GROUP BY reason x month, same rows (reference)": lambda: bare_group_by(filters),
		}
		times = common.timed_rounds(measures, args.rounds)
	finally:
		clean()
		common.delete_user(RESTRICTED_USER)
	counted = sum(row.get("total_count", 0) for row in rows["data"] if row["group"].startswith("BENCH"))
	print(f"  losses counted by the app over the last year (each once per reason): {counted:,.0f}\n")
	ok = common.print_rounds(
		times,
		{
			"Lost Opportunity Analysis, by reason per month": LIMIT_SECONDS,
			"Lost Opportunity Analysis, by category per quarter": LIMIT_SECONDS,
		},
	)
	ours = statistics.median(times["Lost Opportunity Analysis, by reason per month"])
	theirs = statistics.median(times["ERPNext's Lost Opportunity, flat list, same range"])
	detailed = statistics.median(times["  the same by reason, every loss read (no summary)"])
	reference = statistics.median(times["bare GROUP BY reason x month, same rows (reference)"])
	print(
		f"\n  medians: the app's report takes {ours / theirs:.2f}x ERPNext's flat list and "
		f"{ours / reference:.2f}x the bare GROUP BY; the detailed path {detailed / reference:.2f}x it"
	)
	return ok


def main():
	args = parse_args()
	common.connect(args.site, args.sites_path)
	company = frappe.defaults.get_global_default("company")
	today = getdate()
	filters = {"company": company, "from_date": add_days(today, -365), "to_date": today}
	monthly = {**filters, "periodicity": "Monthly"}
	print(f"site {args.site}, Frappe {frappe.__version__}\n")
	ok = True if args.deals_only else opportunity_claims(args, filters, monthly)
	with_deals = frappe_crm.installed() and args.deals
	if with_deals:
		deal_times_, deal_rows = deal_times(args, filters)
		counted = sum(
			row.get("total_count", 0) for row in deal_rows["data"] if row["group"].startswith("BENCH")
		)
		print(f"\nFrappe CRM's deals: losses counted over the last year: {counted:,.0f}\n")
		claim = "Lost Opportunity Analysis on deals, by reason per month"
		ok = common.print_rounds(deal_times_, {claim: LIMIT_SECONDS}) and ok
		ours = statistics.median(deal_times_[claim])
		reference = statistics.median(
			deal_times_["bare GROUP BY reason x month, same lost deals (reference)"]
		)
		print(f"\n  medians: the app's report on deals takes {ours / reference:.2f}x the bare GROUP BY")
	else:
		print("\n(no Frappe CRM on this site, or --deals 0: deals not measured)")
	print(f"\n{'PASS' if ok else 'FAIL'}: every grouping at most {LIMIT_SECONDS:g} s at its slowest round")
	sys.exit(0 if ok else 1)


if __name__ == "__main__":
	main()
