"""Benchmark of the follow-up feature: the cost of the app's Opportunity hooks, and of the reminder job.

Run from the bench, on a throwaway site (it commits rows of its own, then deletes them):

	cd ~/frappe-bench && env/bin/python apps/opportunity_pipeline/benchmarks/follow_up.py --site bench.localhost

Claim 1: the app's Opportunity doc_events add <= 5 ms (median) to a save of an existing opportunity; where
the site has Frappe CRM, its CRM Deal doc_events the same to a save of a deal (their follow-up moves its
Event and its CRM Task).
Claim 2: the hourly reminder job takes as long on 100,000 opportunities as on 1,000 (within 2x) when 100
are due. See benchmarks/README.md.
"""

import copy
import itertools
import os
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timedelta

import frappe
from frappe.query_builder.functions import Count
from frappe.utils import now_datetime

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.follow_up.reminder import due_follow_ups
from opportunity_pipeline.tests import factories

import common
from common import argument_parser, connect

APP_HANDLER_PREFIX = "opportunity_pipeline."
JOB = "opportunity_pipeline.follow_up.reminder.send_due_reminders"
NAME_PREFIX = "BENCH-OPP-"
BENCH_CUSTOMER = "BENCH-CUST Benchmark Customer"
BLOCK = 20  # saves per block; blocks with and without the hooks alternate, so load drift hits both
POOL = 20  # opportunities saved in turn in claim 1
PURGE_PAUSE = 5  # seconds after deleting the large set, before timing on the small one again
MAX_HOOK_COST_MS = 5.0
MAX_JOB_RATIO = 2.0


def parse_args():
	"""The command line: site, sites path and the sizes of the runs."""
	parser = argument_parser(__doc__.splitlines()[0])
	parser.add_argument("--saves", type=int, default=400, help="saves per scenario, with and without hooks")
	parser.add_argument("--job-runs", type=int, default=6, help="timed runs of the job per size and round")
	parser.add_argument("--rounds", type=int, default=2, help="rounds of small-then-large job runs")
	parser.add_argument("--small", type=int, default=1_000)
	parser.add_argument("--large", type=int, default=100_000)
	parser.add_argument("--due", type=int, default=100)
	return parser.parse_args()


def median_ms(seconds: list[float]) -> float:
	"""Median of timings in seconds, in milliseconds."""
	return statistics.median(seconds) * 1000


def pooled(per_round: list[list[float]]) -> list[float]:
	"""The timings of all rounds in one list."""
	return list(itertools.chain.from_iterable(per_round))


# -- Claim 1: cost of the hooks on a save ---------------------------------------------------------------


@contextmanager
def app_hooks_disabled(doctype: str = "Opportunity"):
	"""Serve Document.run_method the doc_events without this app's handlers of `doctype`, in this process."""
	original = frappe.get_doc_hooks
	hooks = copy.deepcopy(original())
	events = hooks.get(doctype, {})
	for method, handlers in events.items():
		events[method] = [h for h in handlers if not h.startswith(APP_HANDLER_PREFIX)]
	frappe.get_doc_hooks = lambda: hooks
	try:
		yield
	finally:
		frappe.get_doc_hooks = original


def app_handlers(doctype: str = "Opportunity") -> list[str]:
	"""The app's handlers of `doctype` Frappe would run now."""
	events = frappe.get_doc_hooks().get(doctype, {})
	return [h for handlers in events.values() for h in handlers if h.startswith(APP_HANDLER_PREFIX)]


def contact_user() -> str:
	"""An enabled system user other than Administrator, for Next Contact By."""
	users = frappe.get_all(
		"User",
		filters={"enabled": 1, "user_type": "System User", "name": ("not in", ["Administrator", "Guest"])},
		pluck="name",
		order_by="creation",
		limit=1,
	)
	if not users:
		sys.exit("The site needs an enabled system user besides Administrator (run before_tests).")
	return users[0]


def make_opportunity(user: str) -> str:
	"""An opportunity with a follow-up (hence an Event), saved with the hooks on."""
	doc = factories.make_opportunity(
		party_name=factories.make_customer(BENCH_CUSTOMER), contact_by=user, contact_date=tomorrow_at(10)
	)
	if not doc.follow_up_event:
		sys.exit("The app's hooks did not create the follow-up Event: is the app installed and migrated?")
	return doc.name


def make_deal(user: str) -> str:
	"""A Frappe CRM deal with a follow-up (hence an Event and a CRM Task), saved with the hooks on."""
	status = frappe.get_all("CRM Deal Status", {"type": "Open"}, pluck="name", limit=1)[0]
	doc = frappe.get_doc(
		{"doctype": "CRM Deal", "status": status, "contact_by": user, "contact_date": tomorrow_at(10)}
	).insert(ignore_permissions=True)
	if not (doc.follow_up_event and doc.follow_up_task):
		sys.exit("The app's hooks did not create the deal's follow-up Event and task.")
	return doc.name


def tomorrow_at(hour: int) -> datetime:
	"""Tomorrow at `hour`:00, a follow-up date the app accepts."""
	return (now_datetime() + timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)


class Saver:
	"""Saves a pool of opportunities in turn, changing plain fields or moving the follow-up.

	A pool, not one opportunity: each move of a follow-up adds a row to its Event's timeline Communication
	(Frappe's Event.update_communication appends a link every time), so hundreds of moves of a single
	follow-up would measure that pile-up rather than a typical save."""

	def __init__(self, names: list[str], doctype: str = "Opportunity"):
		self.names, self.doctype = names, doctype
		self.count = 0

	def plain_change(self, doc):
		"""Touch no follow-up field: only title (a deal's next step) and probability."""
		doc.set("title" if self.doctype == "Opportunity" else "next_step", f"Benchmark save {self.count}")
		doc.probability = self.count % 100

	def follow_up_move(self, doc):
		"""Move Next Contact Date by a minute each time, always into the future."""
		doc.contact_date = tomorrow_at(9) + timedelta(minutes=self.count)

	def timed_save(self, change, name: str | None = None) -> float:
		"""Load the next opportunity of the pool (or `name`), change it, and time its save alone."""
		self.count += 1
		doc = frappe.get_doc(self.doctype, name or self.names[self.count % len(self.names)])
		change(doc)
		start = time.perf_counter()
		doc.save(ignore_permissions=True)
		return time.perf_counter() - start


def measure_saves(saver: Saver, change, saves: int) -> tuple[list[float], list[float]]:
	"""Time `saves` saves with the app's hooks and as many without, in alternating blocks."""
	for _ in range(BLOCK):  # warm the caches of both paths
		saver.timed_save(change)
		with app_hooks_disabled(saver.doctype):
			saver.timed_save(change)
	with_hooks, without_hooks = [], []
	while len(with_hooks) < saves:
		n = min(BLOCK, saves - len(with_hooks))
		with_hooks += [saver.timed_save(change) for _ in range(n)]
		with app_hooks_disabled(saver.doctype):
			without_hooks += [saver.timed_save(change) for _ in range(n)]
	return with_hooks, without_hooks


def check_hooks_really_off(saver: Saver):
	"""Prove the switch works: without the hooks, moving the follow-up leaves its Event where it was."""
	with app_hooks_disabled(saver.doctype):
		if app_handlers(saver.doctype):
			sys.exit(f"Disabling failed: the app's {saver.doctype} handlers are still served.")
		name = saver.names[0]
		event = frappe.db.get_value(saver.doctype, name, "follow_up_event")
		before = frappe.db.get_value("Event", event, "starts_on")
		saver.timed_save(saver.follow_up_move, name)
		if frappe.db.get_value("Event", event, "starts_on") != before:
			sys.exit("Disabling failed: the Event moved with the hooks off.")
	saver.timed_save(saver.follow_up_move, name)
	if frappe.db.get_value("Event", event, "starts_on") == before:
		sys.exit("The Event did not move with the hooks on: the benchmark would not measure the app.")
	print("  check: with the hooks off the Event stays put, with them on it moves: the switch works")


def timeline_links(names: list[str], doctype: str = "Opportunity") -> int:
	"""The most Communication Link rows on one of the timeline Communications of these documents' Events."""
	events = frappe.get_all(doctype, filters={"name": ("in", names)}, pluck="follow_up_event")
	communications = frappe.get_all(
		"Communication",
		filters={"reference_doctype": "Event", "reference_name": ("in", events)},
		pluck="name",
	)
	link = frappe.qb.DocType("Communication Link")
	counts = (
		frappe.qb.from_(link)
		.select(Count("*"))
		.where(link.parent.isin(communications or [""]))
		.groupby(link.parent)
		.run(pluck=True)
	)
	return max(counts, default=0)


def bench_hooks(saves: int, doctype: str = "Opportunity") -> bool:
	"""Claim 1 on `doctype`, in one transaction that is rolled back at the end."""
	print(f"Claim 1 on {doctype}: the app's hooks add <= {MAX_HOOK_COST_MS:g} ms (median) to a save")
	print(f"  {len(app_handlers(doctype))} app handlers on {doctype}: {', '.join(app_handlers(doctype))}")
	make = make_opportunity if doctype == "Opportunity" else make_deal
	moved = "Event updated" if doctype == "Opportunity" else "Event and CRM Task updated"
	try:
		user = contact_user()
		saver = Saver([make(user) for _ in range(POOL)], doctype)
		check_hooks_really_off(saver)
		results = {
			"save, no follow-up field changed": measure_saves(saver, saver.plain_change, saves),
			f"save, follow-up date moved ({moved})": measure_saves(saver, saver.follow_up_move, saves),
		}
		links = timeline_links(saver.names, doctype)
		probes = party_field_probes(saver.names[0]) if doctype == "Opportunity" else None
	finally:
		frappe.db.rollback()
	print(f"  {saves} saves per case over {POOL} documents, in alternating blocks of {BLOCK}; medians:")
	print(f"  {'case':<50} {'without':>9} {'with':>9} {'added':>9} {'ratio':>7}  verdict")
	passed = True
	for case, (with_hooks, without_hooks) in results.items():
		on, off = median_ms(with_hooks), median_ms(without_hooks)
		ok = on - off <= MAX_HOOK_COST_MS
		passed &= ok
		print(
			f"  {case:<50} {off:7.2f}ms {on:7.2f}ms {on - off:+7.2f}ms {on / off:6.2f}x  "
			f"{'PASS' if ok else 'FAIL'}"
		)
	print(
		f"  note: after the moves, one Event's timeline Communication has {links} Communication Link rows"
		" (Frappe adds one per Event save, duplicates included)"
	)
	if probes:
		print_party_field_probes(*probes)
	return passed


def party_field_probes(name: str) -> tuple[int, list[str], float]:
	"""What the app's custom fields cost a save outside its hooks, so outside claim 1: ERPNext's
	Opportunity.map_fields asks the database whether the party's DocType has a field of that name for every
	empty column of the opportunity, the app's custom fields among them. Returns the probes of one save
	(all of them), the app's fields among them, and the median time of those, in ms."""
	doc = frappe.get_doc("Opportunity", name)
	probed = []  # ERPNext's own map_fields says which fields it probes, rather than a copy of its rule
	field_exists = frappe.db.field_exists
	frappe.db.field_exists = lambda doctype, field: probed.append(field) or field_exists(doctype, field)
	try:
		doc.map_fields()
	finally:
		del frappe.db.field_exists
	ours = set(
		frappe.get_all(
			"Custom Field", filters={"dt": "Opportunity", "module": "Opportunity Pipeline"}, pluck="fieldname"
		)
	)
	app_fields = [field for field in probed if field in ours]
	timings = []
	for _ in range(200):
		start = time.perf_counter()
		for field in app_fields:
			frappe.db.field_exists(doc.opportunity_from, field)
		timings.append(time.perf_counter() - start)
	return len(probed), app_fields, median_ms(timings)


def print_party_field_probes(probes: int, app_fields: list[str], cost_ms: float):
	print(
		f"  not in claim 1: ERPNext's map_fields probes the party's DocType for each of the {probes} empty"
		f" columns of such an opportunity on every save; {len(app_fields)} are the app's custom fields"
		f" ({', '.join(app_fields)}): {cost_ms:+.2f} ms a save (median of 200)"
	)


# -- Claim 2: the reminder job does not grow with the table --------------------------------------------


def delete_bench_rows():
	"""Remove every opportunity this benchmark inserted, and whatever the job made for them."""
	like = f"{NAME_PREFIX}%"
	frappe.db.sql("delete from `tabOpportunity` where name like %s", like)
	frappe.db.sql(
		"delete from `tabNotification Log` where document_type='Opportunity' and document_name like %s", like
	)
	frappe.db.sql("delete from `tabError Log` where reference_name like %s", like)
	frappe.db.sql("delete from `tabEmail Queue` where reference_name like %s", like)
	frappe.db.commit()


def insert_opportunities(first: int, count: int, due: int, user: str):
	"""Bulk-insert opportunities numbered from `first`, the first `due` of them due now; then commit."""
	stamp = now_datetime() - timedelta(minutes=1)
	day_start = stamp.replace(hour=0, minute=0, second=0, microsecond=0)
	common.insert_opportunities(
		NAME_PREFIX,
		count,
		BENCH_CUSTOMER,
		"Open",
		stamp,
		first=first,
		extra={
			"contact_by": lambda i: user if i < due else None,
			"contact_date": lambda i: stamp if i < due else None,
			"follow_up_reminder_due": lambda i: day_start if i < due else None,
		},
	)


def due_count() -> int:
	"""Opportunities of the whole table that the job would remind now."""
	return frappe.db.count("Opportunity", {"follow_up_reminder_due": ("<=", now_datetime())})


def run_job() -> float:
	"""Time one run of the job, check it reminded every due follow-up, and undo it."""
	job = frappe.get_attr(JOB)
	frappe.db.rollback()
	start = time.perf_counter()
	job()
	elapsed = time.perf_counter() - start
	left = due_count()
	frappe.db.rollback()  # the Notification Logs go, the reminders are due again for the next run
	if left:
		sys.exit(f"The job left {left} follow-ups due.")
	return elapsed


def time_job(runs: int, due: int) -> list[float]:
	"""One untimed warm-up run, then `runs` timed ones, each on exactly `due` due follow-ups."""
	if due_count() != due:
		sys.exit(f"Expected {due} due follow-ups in the whole table, found {due_count()}.")
	run_job()
	return [run_job() for _ in range(runs)]


def print_explain():
	"""EXPLAIN of the job's own select, to show it reads the follow_up_reminder_due index."""
	query = str(due_follow_ups(now_datetime()))
	print(f"  the job's select: {query}")
	columns = ["table", "type", "possible_keys", "key", "rows", "Extra"]
	print("  EXPLAIN: " + " | ".join(columns))
	for row in frappe.db.sql(f"explain {query}", as_dict=True):
		print("           " + " | ".join(str(row.get(c)) for c in columns))


def shrink_to(count: int):
	"""Delete the benchmark opportunities numbered above `count`, commit, and let InnoDB purge them."""
	frappe.db.sql(
		"delete from `tabOpportunity` where name like %s and name > %s",
		(f"{NAME_PREFIX}%", f"{NAME_PREFIX}{count:07d}"),
	)
	frappe.db.commit()
	time.sleep(PURGE_PAUSE)


def measure_job(runs: int, rounds: int, small: int, large: int, due: int) -> dict[int, list[list[float]]]:
	"""Per round: the job on `small` opportunities, then on `large`; `due` of them due each time."""
	user = contact_user()
	timings = {small: [], large: []}
	insert_opportunities(1, small, due, user)
	for number in range(rounds):
		if number:
			shrink_to(small)
		timings[small].append(time_job(runs, due))
		start = time.perf_counter()
		insert_opportunities(small + 1, large - small, 0, user)
		print(
			f"  round {number + 1}: bulk-inserted {large - small:,} opportunities in {time.perf_counter() - start:.1f}s"
		)
		timings[large].append(time_job(runs, due))
	print(f"  table rows during the large runs: {frappe.db.count('Opportunity'):,}")
	print_explain()
	return timings


def bench_reminder_job(runs: int, rounds: int, small: int, large: int, due: int) -> bool:
	"""Claim 2, on rows it commits and deletes at the end."""
	print(f"\nClaim 2: the reminder job on {large:,} opportunities is within {MAX_JOB_RATIO:g}x of {small:,}")
	delete_bench_rows()
	try:
		factories.make_customer(BENCH_CUSTOMER)
		frappe.db.commit()
		timings = measure_job(runs, rounds, small, large, due)
	finally:
		frappe.db.rollback()
		delete_bench_rows()
		frappe.delete_doc_if_exists("Customer", BENCH_CUSTOMER, force=True)
		frappe.db.commit()
	print(f"  {rounds} rounds x {runs} timed runs per size (each after a warm-up run), {due} due each run:")
	for size, per_round in timings.items():
		rounds_ms = ", ".join(
			f"round {i + 1} {median_ms(seconds):.0f}" for i, seconds in enumerate(per_round)
		)
		print(f"  {size:>9,} opportunities: median {median_ms(pooled(per_round)):7.1f} ms  ({rounds_ms} ms)")
	ratio = median_ms(pooled(timings[large])) / median_ms(pooled(timings[small]))
	ok = ratio <= MAX_JOB_RATIO
	print(f"  ratio large/small: {ratio:.2f}x (limit {MAX_JOB_RATIO:g}x)  {'PASS' if ok else 'FAIL'}")
	return ok


def main():
	"""Run both claims on one site in one process, and exit non-zero if either fails."""
	args = parse_args()
	connect(args.site, args.sites_path)
	try:
		print(f"site {args.site}, Frappe {frappe.__version__}, {os.cpu_count()} CPUs\n")
		hooks_ok = bench_hooks(args.saves)
		if frappe_crm.installed():
			print()
			hooks_ok = bench_hooks(args.saves, "CRM Deal") and hooks_ok
		else:
			print("\n(no Frappe CRM on this site: deal saves not measured)")
		job_ok = bench_reminder_job(args.job_runs, args.rounds, args.small, args.large, args.due)
	finally:
		frappe.destroy()
	print(
		f"\nclaim 1 (hooks): {'PASS' if hooks_ok else 'FAIL'}; claim 2 (job): {'PASS' if job_ok else 'FAIL'}"
	)
	sys.exit(0 if hooks_ok and job_ok else 1)


if __name__ == "__main__":
	main()
