"""Auto-close at scale: ERPNext's stock job vs the app's job vs one bare UPDATE, on one site in one run.

Claims (issue #4): per opportunity, the app's job is at least 100x faster than ERPNext's stock
auto_close_opportunity; on 100,000 stale opportunities it stays within 5x of a bare UPDATE of the
same rows. Where the site has Frappe CRM (issue #28), the same budgets for its deals, printed beside:
Frappe CRM has no auto-close, so the reference is closing a deal by its own save (status, lost reason),
as a script or a user would, on --stock deals; the app's job and the bare UPDATE on --large deals.
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


def insert_deals(prefix: str, rows: int, status: str, stamp):
	"""Deals as Frappe CRM leaves them: each with the open row of its status change log."""
	names = [f"{prefix}{i:07d}" for i in range(1, rows + 1)]
	frappe.db.bulk_insert(
		"CRM Deal",
		["name", "status", "deal_value", "exchange_rate", "creation", "modified", "owner", "modified_by"],
		((name, status, 1000, 1, stamp, stamp, "Administrator", "Administrator") for name in names),
	)
	frappe.db.bulk_insert(
		"CRM Status Change Log",
		[
			"name",
			"parent",
			"parenttype",
			"parentfield",
			"idx",
			"from",
			"from_type",
			"from_date",
			"creation",
			"modified",
		],
		(
			(f"{name}-log", name, "CRM Deal", "status_change_log", 1, status, "Open", stamp, stamp, stamp)
			for name in names
		),
	)
	frappe.db.commit()


def count_deals(prefix: str, status: str) -> int:
	return frappe.db.count("CRM Deal", {"name": ("like", f"{prefix}%"), "status": status})


def delete_deals():
	for prefix in (DEAL_STOCK_PREFIX, DEAL_APP_PREFIX):
		like = f"{prefix}%"
		frappe.db.sql(
			"delete from `tabCRM Status Change Log` where parenttype='CRM Deal' and parent like %s", like
		)
		frappe.db.sql("delete from `tabVersion` where ref_doctype='CRM Deal' and docname like %s", like)
		frappe.db.sql("delete from `tabCRM Deal` where name like %s", like)
	frappe.db.commit()


def deals(args) -> tuple[float, float, float]:
	"""(each deal's own save, the app's job, the bare UPDATE), in seconds."""
	stale = now_datetime() - timedelta(days=DAYS + 30)
	open_status = frappe.get_all("CRM Deal Status", {"type": "Open"}, pluck="name", order_by="position")[0]
	insert_deals(DEAL_STOCK_PREFIX, args.stock, open_status, stale)

	def save_each():
		for name in frappe.get_all("CRM Deal", {"name": ("like", f"{DEAL_STOCK_PREFIX}%")}, pluck="name"):
			deal = frappe.get_doc("CRM Deal", name)
			deal.status, deal.lost_reason = "Lost", "Unresponsive Prospect"
			deal.save()
		frappe.db.commit()

	stock = timed(save_each)
	insert_deals(DEAL_APP_PREFIX, args.large, open_status, stale)

	def update():
		frappe.db.sql("update `tabCRM Deal` set status='Lost' where name like %s", f"{DEAL_APP_PREFIX}%")
		frappe.db.commit()

	bare = timed(update)
	frappe.db.sql(
		"update `tabCRM Deal` set status=%s where name like %s", (open_status, f"{DEAL_APP_PREFIX}%")
	)
	frappe.db.commit()
	app = timed(close_idle_deals)
	for prefix, rows in ((DEAL_STOCK_PREFIX, args.stock), (DEAL_APP_PREFIX, args.large)):
		if count_deals(prefix, "Lost") != rows:
			sys.exit(f"{count_deals(prefix, 'Lost')} of {rows} deals {prefix}* were closed.")
	return stock, app, bare


def verdict(what: str, stock: float, app: float, bare: float, args, reference: str) -> bool:
	stock_each, app_each = stock / args.stock, app / args.large
	speedup, over_bare = stock_each / app_each, app / bare
	print(f"  {reference}, {args.stock:,} {what}: {stock:8.2f} s  ({stock_each * 1000:.3f} ms each)")
	print(f"  the app's job, {args.large:,} {what}:    {app:8.2f} s  ({app_each * 1000:.3f} ms each)")
	print(f"  one bare UPDATE of the same {args.large:,} rows:    {bare:8.2f} s")
	print(f"  per row, the app is {speedup:,.0f}x faster than that (claim >= {MIN_SPEEDUP}x)")
	print(f"  the app's job takes {over_bare:.2f}x the bare UPDATE (claim <= {MAX_OVER_BARE_UPDATE}x)")
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
		insert_opportunities(
			APP_PREFIX, args.large, CUSTOMER, "Open", now_datetime() - timedelta(days=DAYS + 30)
		)
		bare = bare_update()
		app = app_job(args.large)
		if with_deals:
			delete_deals()
			deal_figures = deals(args)
	finally:
		frappe.db.rollback()
		delete_rows()
		if with_deals:
			delete_deals()
		for (doctype, field), value in previous.items():
			frappe.db.set_single_value(doctype, field, value)
		frappe.db.commit()

	print("Opportunities")
	ok = verdict("opportunities", stock, app, bare, args, "ERPNext's stock job")
	if with_deals:
		print("\nFrappe CRM's deals")
		ok = verdict("deals", *deal_figures, args, "each deal's own save") and ok
	else:
		print("\n(no Frappe CRM on this site: deals not measured)")
	print("\n" + ("PASS" if ok else "FAIL"))
	sys.exit(0 if ok else 1)


if __name__ == "__main__":
	main()
