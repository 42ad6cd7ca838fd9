"""Auto-close at scale: ERPNext's stock job vs the app's job vs one bare UPDATE, on one site in one run.

Claims (issue #4): per opportunity, the app's job is at least 100x faster than ERPNext's stock
auto_close_opportunity; on 100,000 stale opportunities it stays within 5x of a bare UPDATE of the
same rows. Run it on a throwaway site (it commits rows and deletes them at the end):

	cd ~/frappe-bench && env/bin/python apps/opportunity_pipeline/benchmarks/auto_close.py --site bench.localhost
"""

import sys
import time
from datetime import timedelta

import frappe
from frappe.utils import now_datetime

from erpnext.crm.doctype.opportunity.opportunity import auto_close_opportunity

from opportunity_pipeline.auto_close.job import close_idle_opportunities
from opportunity_pipeline.tests.factories import make_customer

from common import argument_parser, connect, insert_opportunities

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


def parse_args():
	parser = argument_parser(__doc__.splitlines()[0])
	parser.add_argument("--stock", type=int, default=1_000, help="stale opportunities for the stock job")
	parser.add_argument("--large", type=int, default=100_000, help="stale opportunities for the app's job")
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
	frappe.db.commit()


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


def main():
	args = parse_args()
	connect(args.site, args.sites_path)
	print(f"site {args.site}, Frappe {frappe.__version__}, ERPNext auto-close after {DAYS} days\n")
	previous = {key: frappe.db.get_single_value(*key) for key in SETTINGS}
	try:
		for (doctype, field), value in SETTINGS.items():
			frappe.db.set_single_value(doctype, field, value)
		make_customer(CUSTOMER)
		delete_rows()

		stock = stock_job(args.stock)
		insert_opportunities(
			APP_PREFIX, args.large, CUSTOMER, "Open", now_datetime() - timedelta(days=DAYS + 30)
		)
		bare = bare_update()
		app = app_job(args.large)
	finally:
		frappe.db.rollback()
		delete_rows()
		for (doctype, field), value in previous.items():
			frappe.db.set_single_value(doctype, field, value)
		frappe.db.commit()

	stock_each, app_each = stock / args.stock, app / args.large
	speedup, over_bare = stock_each / app_each, app / bare
	print(
		f"  ERPNext's stock job, {args.stock:,} opportunities: {stock:8.2f} s  ({stock_each * 1000:.3f} ms each)"
	)
	print(f"  the app's job, {args.large:,} opportunities:    {app:8.2f} s  ({app_each * 1000:.3f} ms each)")
	print(f"  one bare UPDATE of the same {args.large:,} rows:    {bare:8.2f} s")
	print(
		f"\n  per opportunity, the app is {speedup:,.0f}x faster than the stock job (claim >= {MIN_SPEEDUP}x)"
	)
	print(f"  the app's job takes {over_bare:.2f}x the bare UPDATE (claim <= {MAX_OVER_BARE_UPDATE}x)")
	ok = speedup >= MIN_SPEEDUP and over_bare <= MAX_OVER_BARE_UPDATE
	print("\n" + ("PASS" if ok else "FAIL"))
	sys.exit(0 if ok else 1)


if __name__ == "__main__":
	main()
