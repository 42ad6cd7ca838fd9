"""Auto-close at scale: ERPNext's stock job vs the app's job vs one bare UPDATE, on one site in one run.

Claims (issue #4): per opportunity, the app's job is at least 100x faster than ERPNext's stock
auto_close_opportunity; on 100,000 stale opportunities it stays within 5x of a bare UPDATE of the
same rows. Where the site has Frappe CRM (issue #28), the same budgets for its deals, printed beside:
Frappe CRM has no auto-close, so the reference is closing a deal by its own save (status, lost reason),
as a script or a user would, on --stock deals; the app's job and the bare UPDATE on --large deals.
The job and the bare UPDATE are timed over --rounds rounds, the first cold (InnoDB's buffer pool
evicted), each on newly inserted rows; each claim is judged at its worst round (the slowest job for the
speed-up, the largest job / UPDATE ratio), the stock job and the saves once (they take minutes).
Run it on a throwaway site (it commits rows and deletes them at the end):

	cd ~/frappe-bench && env/bin/python apps/opportunity_pipeline/benchmarks/auto_close.py --site bench.localhost
"""

import sys
import time
from datetime import timedelta

import frappe
from frappe.utils import now_datetime

from erpnext.crm.doctype.opportunity.opportunity import auto_close_opportunity

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.auto_close.deals import close_idle_deals
from opportunity_pipeline.auto_close.job import close_idle_opportunities
from opportunity_pipeline.tests.factories import make_customer

from common import (
	argument_parser,
	connect,
	delete_deals,
	evict_buffer_pool,
	insert_deals,
	insert_opportunities,
)

DAYS = 10
STOCK_PREFIX = "BENCH-AC-S-"
APP_PREFIX = "BENCH-AC-L-"
CUSTOMER = "BENCH-AC Benchmark Customer"
MIN_SPEEDUP = 100
MAX_OVER_BARE_UPDATE = 5
SETTINGS = {
	("Selling Settings", "close_opportunity_after_days"): DAYS,
	("Selling Settings", "auto_close_open"): 1,
	("Selling Settings", "auto_close_replied"): 1,
	("CRM Settings", "close_opportunity_after_days"): DAYS,
}
DEAL_STOCK_PREFIX = "BENCH-ACD-S-"
DEAL_APP_PREFIX = "BENCH-ACD-L-"
DEAL_SETTINGS = {
	("FCRM Settings", "close_deals_after_days"): DAYS,
	("FCRM Settings", "auto_close_paused_deals"): 0,
	("FCRM Settings", "auto_close_deal_status"): "Lost",
	("FCRM Settings", "auto_close_deal_lost_reason"): "Unresponsive Prospect",
}


def parse_args():
	parser = argument_parser(__doc__.splitlines()[0])
	parser.add_argument("--stock", type=int, default=1_000, help="stale opportunities for the stock job")
	parser.add_argument("--large", type=int, default=100_000, help="stale opportunities for the app's job")
	parser.add_argument("--rounds", type=int, default=3, help="rounds of the job and the bare UPDATE")
	return parser.parse_args()


def timed(function) -> float:
	start = time.perf_counter()
	function()
	return time.perf_counter() - start


def count(prefix: str, status: str) -> int:
	return frappe.db.count("Opportunity", {"name": ("like", f"{prefix}%"), "status": status})


def delete_rows():
	for prefix in (STOCK_PREFIX, APP_PREFIX):
		like = f"{prefix}%"
		frappe.db.sql(
			"delete from `tabComment` where reference_doctype='Opportunity' and reference_name like %s", like
		)
		frappe.db.sql("delete from `tabVersion` where ref_doctype='Opportunity' and docname like %s", like)
		frappe.db.sql("delete from `tabOpportunity` where name like %s", like)
	delete_history("Opportunity")
	frappe.db.commit()


def delete_history(document_type: str):
	"""The history rows the jobs wrote of the benchmark's documents."""
	frappe.db.sql(
		"delete from `tabOpportunity Pipeline State` where document_type = %s and opportunity like 'BENCH-AC%%'",
		document_type,
	)


def stock_job(rows: int) -> float:
	"""ERPNext's job closes stale Replied opportunities one doc.save() at a time."""
	insert_opportunities(STOCK_PREFIX, rows, CUSTOMER, "Replied", now_datetime() - timedelta(days=DAYS + 30))
	elapsed = timed(auto_close_opportunity)
	frappe.db.commit()
	if count(STOCK_PREFIX, "Closed") != rows:
		sys.exit(f"The stock job closed {count(STOCK_PREFIX, 'Closed')} of {rows}.")
	return elapsed


def bare_update() -> float:
	"""The floor: one UPDATE of the same rows' status, committed."""

	def update():
		frappe.db.sql("update `tabOpportunity` set status='Closed' where name like %s", f"{APP_PREFIX}%")
		frappe.db.commit()

	elapsed = timed(update)
	frappe.db.sql("update `tabOpportunity` set status='Open' where name like %s", f"{APP_PREFIX}%")
	frappe.db.commit()
	return elapsed


def app_job(rows: int) -> float:
	elapsed = timed(close_idle_opportunities)  # commits per batch, as in production
	if count(APP_PREFIX, "Closed") != rows:
		sys.exit(f"The app's job closed {count(APP_PREFIX, 'Closed')} of {rows}.")
	return elapsed


def count_deals(prefix: str, status: str) -> int:
	return frappe.db.count("CRM Deal", {"name": ("like", f"{prefix}%"), "status": status})


def delete_all_deals():
	for prefix in (DEAL_STOCK_PREFIX, DEAL_APP_PREFIX):
		delete_deals(prefix)
	delete_history("CRM Deal")
	frappe.db.commit()


def stale_deals(prefix: str, rows: int, status: str):
	"""Deals as Frappe CRM leaves them, last changed long ago: each with the open row of its status log."""
	insert_deals(
		prefix,
		rows,
		lambda _index: status,
		now_datetime() - timedelta(days=DAYS + 30),
		status_type=lambda _status: "Open",
	)


def deals(args) -> tuple[float, list, list]:
	"""(each deal's own save, the app's job per round, the bare UPDATE per round), in seconds."""
	open_status = frappe.get_all("CRM Deal Status", {"type": "Open"}, pluck="name", order_by="position")[0]
	stale_deals(DEAL_STOCK_PREFIX, args.stock, open_status)

	def save_each():
		for name in frappe.get_all("CRM Deal", {"name": ("like", f"{DEAL_STOCK_PREFIX}%")}, pluck="name"):
			deal = frappe.get_doc("CRM Deal", name)
			deal.status, deal.lost_reason = "Lost", "Unresponsive Prospect"
			deal.save()
		frappe.db.commit()

	stock = timed(save_each)
	if count_deals(DEAL_STOCK_PREFIX, "Lost") != args.stock:
		sys.exit(f"{count_deals(DEAL_STOCK_PREFIX, 'Lost')} of {args.stock} saved deals were closed.")

	def update():
		frappe.db.sql("update `tabCRM Deal` set status='Lost' where name like %s", f"{DEAL_APP_PREFIX}%")
		frappe.db.commit()

	apps, bares = [], []
	for number in range(args.rounds):
		delete_deals(DEAL_APP_PREFIX)
		delete_history("CRM Deal")
		stale_deals(DEAL_APP_PREFIX, args.large, open_status)
		if number == 0:
			evict_buffer_pool()
		bares.append(timed(update))
		frappe.db.sql(
			"update `tabCRM Deal` set status=%s where name like %s", (open_status, f"{DEAL_APP_PREFIX}%")
		)
		frappe.db.commit()
		apps.append(timed(close_idle_deals))
		if count_deals(DEAL_APP_PREFIX, "Lost") != args.large:
			sys.exit(f"The app's job closed {count_deals(DEAL_APP_PREFIX, 'Lost')} of {args.large} deals.")
	return stock, apps, bares


def opportunity_rounds(args) -> tuple[list, list]:
	"""(the app's job per round, the bare UPDATE per round), in seconds, each on new stale rows."""
	apps, bares = [], []
	for number in range(args.rounds):
		frappe.db.sql("delete from `tabComment` where reference_name like %s", f"{APP_PREFIX}%")
		frappe.db.sql("delete from `tabOpportunity` where name like %s", f"{APP_PREFIX}%")
		delete_history("Opportunity")
		frappe.db.commit()
		insert_opportunities(
			APP_PREFIX, args.large, CUSTOMER, "Open", now_datetime() - timedelta(days=DAYS + 30)
		)
		if number == 0:
			evict_buffer_pool()
		bares.append(bare_update())
		apps.append(app_job(args.large))
	return apps, bares


def verdict(what: str, stock: float, apps: list, bares: list, args, reference: str) -> bool:
	"""Both claims at the worst round: the slowest job, and the largest ratio of a round's job to its
	bare UPDATE."""
	stock_each, app_each = stock / args.stock, max(apps) / args.large
	speedup = stock_each / app_each
	over_bare = max(app / bare for app, bare in zip(apps, bares, strict=True))
	rounds = lambda times: ", ".join(f"{seconds:.2f}" for seconds in times)  # noqa: E731
	print(f"  {reference}, {args.stock:,} {what}: {stock:8.2f} s  ({stock_each * 1000:.3f} ms each)")
	print(f"  the app's job, {args.large:,} {what}, per round (s, first cold): {rounds(apps)}")
	print(f"  one bare UPDATE of the same rows, per round (s):            {rounds(bares)}")
	print(f"  per row, the app's slowest round is {speedup:,.0f}x faster than that (claim >= {MIN_SPEEDUP}x)")
	print(
		f"  the app's job takes at most {over_bare:.2f}x the bare UPDATE of its round "
		f"(claim <= {MAX_OVER_BARE_UPDATE}x)"
	)
	return speedup >= MIN_SPEEDUP and over_bare <= MAX_OVER_BARE_UPDATE


def main():
	args = parse_args()
	connect(args.site, args.sites_path)
	print(f"site {args.site}, Frappe {frappe.__version__}, ERPNext auto-close after {DAYS} days\n")
	with_deals = frappe_crm.installed()
	settings = {**SETTINGS, **(DEAL_SETTINGS if with_deals else {})}
	previous = {key: frappe.db.get_single_value(*key) for key in settings}
	try:
		for (doctype, field), value in settings.items():
			frappe.db.set_single_value(doctype, field, value)
		make_customer(CUSTOMER)
		delete_rows()

		stock = stock_job(args.stock)
		apps, bares = opportunity_rounds(args)
		if with_deals:
			delete_all_deals()
			deal_figures = deals(args)
	finally:
		frappe.db.rollback()
		delete_rows()
		if with_deals:
			delete_all_deals()
		for (doctype, field), value in previous.items():
			frappe.db.set_single_value(doctype, field, value)
		frappe.db.commit()

	print("Opportunities")
	ok = verdict("opportunities", stock, apps, bares, args, "ERPNext's stock job")
	if with_deals:
		print("\nFrappe CRM's deals")
		ok = verdict("deals", *deal_figures, args, "each deal's own save") and ok
	else:
		print("\n(no Frappe CRM on this site: deals not measured)")
	print("\n" + ("PASS" if ok else "FAIL"))
	sys.exit(0 if ok else 1)


if __name__ == "__main__":
	main()
