"""Forecast Accuracy on Frappe CRM's deals at scale, on its own: the won side of the report (what was won
in each of twelve months) is what grows with the deals; pipeline_history.py measures the whole report on
deals made from a seeded opportunity history, which takes an hour to seed and back-fill at 1,000,000.

Seeds --deals deals (4 in 10 won, 4 in 10 lost, the rest open), each with the open row of its status
change log begun on a day of the last three years, then times the report's claimed measure on deals
(pipeline_history.claimed, limit pipeline_history.limits: 2 s at the slowest round, the first cold),
beside a bare SQL sum of the same won stays. Run it on a throwaway site with Frappe CRM:

	cd ~/frappe-bench && env/bin/python apps/opportunity_pipeline/benchmarks/forecast_accuracy_deals.py --site bench.localhost
"""

import sys
import time
from datetime import timedelta

from pipeline_history import accuracy_filters, claimed, limits

import frappe
from frappe.utils import add_days, now_datetime

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.document_types import open_statuses, status_type, statuses_in
from opportunity_pipeline.pipeline_document import CRM_DEAL

import common

PREFIX = "BENCH-FAD-"
YEARS_OF_WINS = 3


def parse_args():
	parser = common.argument_parser(__doc__.splitlines()[0])
	parser.add_argument("--deals", type=int, default=1_000_000)
	parser.add_argument("--rounds", type=int, default=3, help="rounds, the first one cold")
	parser.add_argument("--keep", action="store_true", help="keep the deals for another run")
	return parser.parse_args()


def seed(total: int):
	won = statuses_in(CRM_DEAL, CRM_DEAL.status_groups.won)[0]
	lost = statuses_in(CRM_DEAL, CRM_DEAL.status_groups.lost)[0]
	opened = open_statuses(CRM_DEAL)[0]
	now = now_datetime()
	common.insert_deals(
		PREFIX,
		total,
		lambda i: won if i % 10 < 4 else lost if i % 10 < 8 else opened,
		now - timedelta(days=365 * YEARS_OF_WINS + 30),
		extra={"deal_value": lambda i: 100 + i % 900},
		status_type=lambda status: status_type(CRM_DEAL, status),
		status_since=lambda i: now - timedelta(days=i % (365 * YEARS_OF_WINS), minutes=i % 1440),
	)
	common.settle("CRM Deal", "CRM Status Change Log")


def bare_won(filters: dict, won: list):
	"""The same won stays summed in bare SQL: every won deal's stay of a won status (`won`) begun in the
	range (on the server's clock), joined to its deal."""
	return frappe.db.sql(
		"""select count(*), sum(deal.deal_value * deal.exchange_rate)
		from `tabCRM Status Change Log` stay join `tabCRM Deal` deal on deal.name = stay.parent
		where stay.parenttype = 'CRM Deal' and stay.`from` in %(won)s and deal.status in %(won)s
			and stay.from_date >= %(start)s and stay.from_date < %(end)s""",
		{"won": won, "start": filters["from_date"], "end": add_days(filters["to_date"], 1)},
	)


def main():
	args = parse_args()
	common.connect(args.site, args.sites_path)
	if not frappe_crm.installed():
		sys.exit("This site has no Frappe CRM.")
	company = frappe.get_all("Company", pluck="name", limit=1)[0]
	existing = frappe.db.count("CRM Deal", {"name": ("like", f"{PREFIX}%")})
	if existing != args.deals:
		common.delete_deals(PREFIX)
		start = time.perf_counter()
		seed(args.deals)
		print(
			f"seeded {args.deals:,} deals and their status change log in {time.perf_counter() - start:.0f} s"
		)
	claim, report = next(
		(name, function)
		for name, function in claimed(company, CRM_DEAL.doctype).items()
		if name.startswith("Forecast Accuracy")
	)
	filters = accuracy_filters(company, CRM_DEAL.doctype)
	won_statuses = statuses_in(CRM_DEAL, CRM_DEAL.status_groups.won)
	measures = {
		claim: report,
		"the same won stays summed in bare SQL": lambda: bare_won(filters, won_statuses),
	}
	won = sum(row.get("actual") or 0 for row in report()[1])
	stays, bare = bare_won(filters, won_statuses)[0]
	print(f"\nForecast Accuracy on {args.deals:,} deals, {filters.from_date} to {filters.to_date}")
	print(
		f"  won in the report's year: {won:,.0f}; the bare sum: {float(bare or 0):,.0f} over {stays:,} stays"
	)
	print("  (the report reads the range on the site's clock, the bare sum on the server's)")
	times = common.timed_rounds(measures, args.rounds)
	ok = common.print_rounds(times, limits(CRM_DEAL.doctype))
	ratio = max(times[claim]) / max(times["the same won stays summed in bare SQL"])
	print(f"  report / bare SQL at their slowest rounds: {ratio:.2f}x")
	if not args.keep:
		common.delete_deals(PREFIX)
	print("\nALL CLAIMS HOLD" if ok else "\nSOME CLAIMS FAIL")
	frappe.destroy()
	sys.exit(0 if ok else 1)


if __name__ == "__main__":
	main()
