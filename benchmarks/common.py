"""What the benchmark scripts share: the command line, opening the site, bulk-inserted opportunities."""

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import datetime

import frappe


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


def median_seconds(function, runs: int) -> float:
	"""The median of `runs` timed calls, after one untimed call that warms the caches."""
	function()
	times = []
	for _ in range(runs):
		start = time.perf_counter()
		function()
		times.append(time.perf_counter() - start)
	return statistics.median(times)


def territory_restricted_user(email: str, territory: str) -> str:
	"""A Sales User who may read only one territory's opportunities (a User Permission), committed so
	the benchmark can time a report as them; `delete_user` removes it."""
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
	if not frappe.db.exists("User Permission", {"user": email, "allow": "Territory"}):
		frappe.get_doc(
			{"doctype": "User Permission", "user": email, "allow": "Territory", "for_value": territory}
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
