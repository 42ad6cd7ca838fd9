"""What the benchmark scripts share: the command line, opening the site, bulk-inserted opportunities."""

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import datetime

import frappe

# Of every 10 opportunities: 2 open, then converted, lost and closed ones that the forecast skips.
STATUS_CYCLE = (
	"Open",
	"Lost",
	"Converted",
	"Closed",
	"Lost",
	"Open",
	"Converted",
	"Closed",
	"Lost",
	"Closed",
)


def argument_parser(description: str) -> argparse.ArgumentParser:
	parser = argparse.ArgumentParser(description=description)
	parser.add_argument("--site", required=True)
	parser.add_argument("--sites-path", default=os.path.expanduser("~/frappe-bench/sites"))
	return parser


def connect(site: str, sites_path: str):
	"""Open the site as Administrator, from the sites folder as Frappe expects."""
	os.chdir(sites_path)
	frappe.init(site=site, sites_path=sites_path)
	frappe.connect()
	frappe.set_user("Administrator")


OPPORTUNITY_COLUMNS = (
	"name",
	"opportunity_from",
	"party_name",
	"status",
	"company",
	"currency",
	"transaction_date",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"naming_series",
)


def insert_opportunities(
	prefix: str,
	count: int,
	customer: str,
	status: str,
	stamp: datetime,
	first: int = 1,
	extra: dict[str, Callable[[int], object]] | None = None,
):
	"""Bulk-insert `count` opportunities named prefix + number, created and modified at `stamp`, with
	`extra` columns computed from the row's index (they win over the fixed ones); then commit."""
	company = frappe.defaults.get_global_default("company") or frappe.get_all("Company", pluck="name")[0]
	currency = frappe.get_cached_value("Company", company, "default_currency")
	fixed = dict(
		zip(
			OPPORTUNITY_COLUMNS[1:],
			(
				"Customer",
				customer,
				status,
				company,
				currency,
				stamp.date(),
				stamp,
				stamp,
				"Administrator",
				"Administrator",
				"CRM-OPP-.YYYY.-",
			),
			strict=True,
		)
	)
	columns = ["name", *(column for column in fixed if column not in (extra or {})), *(extra or {})]
	values = [value for column, value in fixed.items() if column not in (extra or {})]
	rows = (
		(f"{prefix}{first + i:07d}", *values, *(value(i) for value in (extra or {}).values()))
		for i in range(count)
	)
	frappe.db.bulk_insert("Opportunity", columns, rows)
	frappe.db.commit()


DEAL_LOG_COLUMNS = ("name", "parent", "parenttype", "parentfield", "idx", "from", "from_type", "from_date")


def insert_deals(
	prefix: str,
	count: int,
	status: Callable[[int], str],
	stamp: datetime,
	extra: dict[str, Callable[[int], object]] | None = None,
	status_type: Callable[[str], str] | None = None,
	status_since: Callable[[int], datetime] | None = None,
	batch: int = 50_000,
):
	"""Bulk-insert `count` Frappe CRM deals named prefix + number, created and modified at `stamp`, with
	their status and `extra` columns computed from the row's index (they win over the fixed ones); with
	`status_type` (status -> its CRM Deal Status type) each also gets the open row of its status change
	log, as Frappe CRM writes it, begun at `stamp` or `status_since(index)`. Commits per batch."""
	extra = extra or {}
	fixed = {"deal_value": 1000, "exchange_rate": 1, "creation": stamp, "modified": stamp}
	fixed |= {"owner": "Administrator", "modified_by": "Administrator"}
	fixed = {column: value for column, value in fixed.items() if column not in extra}
	columns = ["name", "status", *fixed, *extra]
	since = status_since or (lambda _index: stamp)
	for begin in range(0, count, batch):
		indexes = range(begin, min(begin + batch, count))
		rows = [
			(f"{prefix}{i + 1:07d}", status(i), *fixed.values(), *(value(i) for value in extra.values()))
			for i in indexes
		]
		frappe.db.bulk_insert("CRM Deal", columns, rows)
		if status_type:
			frappe.db.bulk_insert(
				"CRM Status Change Log",
				DEAL_LOG_COLUMNS,
				(
					(
						f"{row[0]}-log",
						row[0],
						"CRM Deal",
						"status_change_log",
						1,
						row[1],
						status_type(row[1]),
						since(i),
					)
					for i, row in zip(indexes, rows, strict=True)
				),
			)
		frappe.db.commit()


def delete_deals(prefix: str):
	"""The deals `insert_deals` made, their status change log and their Versions."""
	like = f"{prefix}%"
	frappe.db.sql(
		"delete from `tabCRM Status Change Log` where parenttype='CRM Deal' and parent like %s", like
	)
	frappe.db.sql("delete from `tabVersion` where ref_doctype='CRM Deal' and docname like %s", like)
	frappe.db.sql("delete from `tabCRM Deal` where name like %s", like)
	frappe.db.commit()


def settle(*doctypes: str):
	"""Fresh index statistics for tables a benchmark has just filled (ANALYZE TABLE). InnoDB recomputes
	them in the background some time after a bulk load; until then the optimizer may pick another index,
	as on 2026-12-07, when the forecast by stage took 4 to 5 s right after its seed and 0.5 s minutes
	later. A site's own tables do not grow by a million rows a minute."""
	for doctype in doctypes:
		frappe.db.sql(f"analyze table `tab{doctype}`")


def median_seconds(function, runs: int) -> float:
	"""The median of `runs` timed calls, after one untimed call that warms the caches."""
	function()
	times = []
	for _ in range(runs):
		start = time.perf_counter()
		function()
		times.append(time.perf_counter() - start)
	return statistics.median(times)


def territory_restricted_user(email: str, territory: str, allow: str = "Territory") -> str:
	"""A Sales User who may read only one territory's opportunities (a User Permission on `allow`: CRM
	Territory for Frappe CRM's deals), committed so the benchmark can time a report as them;
	`delete_user` removes it."""
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": "Benchmark",
				"send_welcome_email": 0,
				"roles": [{"role": "Sales User"}],
			}
		).insert(ignore_permissions=True)
	if not frappe.db.exists("User Permission", {"user": email, "allow": allow}):
		frappe.get_doc(
			{"doctype": "User Permission", "user": email, "allow": allow, "for_value": territory}
		).insert(ignore_permissions=True)
	frappe.db.commit()
	return email


def delete_user(email: str):
	frappe.db.delete("User Permission", {"user": email})
	frappe.delete_doc_if_exists("User", email, force=True)
	frappe.db.commit()


def as_user(user: str, function):
	"""`function` run as `user`, then back to Administrator."""

	def run():
		frappe.set_user(user)
		try:
			return function()
		finally:
			frappe.set_user("Administrator")

	return run


EVICTION_TABLE = "bench_buffer_pool_eviction"


def evict_buffer_pool(megabytes: int = 400):
	"""Make the next queries start cold: a fresh server connection, and InnoDB's buffer pool (128 MB by
	default) filled by a full scan of a throwaway table larger than it, so no page of the benchmark's
	tables is left in memory."""
	rows = megabytes * 1024 * 1024 // 256
	frappe.db.sql_ddl(f"drop table if exists `{EVICTION_TABLE}`")
	frappe.db.sql_ddl(
		f"create table `{EVICTION_TABLE}` engine=InnoDB as "
		f"select seq, repeat('x', 240) as pad from seq_1_to_{rows}"
	)
	frappe.db.sql(f"select count(*) from `{EVICTION_TABLE}` where pad like '%y%'")
	frappe.db.sql_ddl(f"drop table `{EVICTION_TABLE}`")
	frappe.db.close()
	frappe.connect()
	frappe.set_user("Administrator")


def timed_rounds(measures: dict, rounds: int) -> dict:
	"""Each measure timed once per round, all measures in every round; the first round starts cold.
	Returns name -> list of seconds."""
	times = {name: [] for name in measures}
	for number in range(rounds):
		if number == 0:
			evict_buffer_pool()
		for name, function in measures.items():
			start = time.perf_counter()
			function()
			times[name].append(time.perf_counter() - start)
	return times


def print_rounds(times: dict, limits: dict) -> bool:
	"""min / median / max per measure in ms; a claim (limits: name -> seconds) holds at its max."""
	print(f"  {'':55} {'min':>8} {'median':>8} {'max':>8}   (ms; round 1 cold)")
	ok = True
	for name, seconds in times.items():
		limit = limits.get(name)
		verdict = ""
		if limit is not None:
			holds = max(seconds) <= limit
			ok &= holds
			verdict = f"  {'PASS' if holds else 'FAIL'} (max <= {limit * 1000:.0f})"
		print(
			f"  {name:55} {min(seconds) * 1000:8.0f} {statistics.median(seconds) * 1000:8.0f} "
			f"{max(seconds) * 1000:8.0f}{verdict}"
		)
	return ok
