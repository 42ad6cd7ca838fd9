"""The losses summary: per company and month, the losses counted in each dimension and by every filter of
the Lost Opportunity Analysis, so that the report's cost grows with groups and months, not with losses.

Kept by marking, never by arithmetic: whatever changes a loss (a save, a db_set from ERPNext, a quotation
declared lost, a deletion, a reason renamed or moved to another category) marks its month stale and
queues a background job that recomputes the stale months from the opportunities themselves (a few
thousand rows each, through the covering indexes), one committed month at a time. A month is fresh when
its "Built" row exists; a report reads the stale ones in detail meanwhile, and never writes: a reason
moved to another category makes every month stale, and recomputing them inside a user's request would
hold locks on the losses for as long as it takes.
"""

import hashlib

from pypika.enums import DatePart

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Extract, Sum
from frappe.utils import getdate, now_datetime

from opportunity_pipeline.lost.queries import losses, opportunity_field
from opportunity_pipeline.lost.rules import DIMENSIONS, FILTER_FIELDS
from opportunity_pipeline.reporting.periods import month_start, next_month
from opportunity_pipeline.sql import force_index

SUMMARY = "Opportunity Loss Summary"
# Losses by status and date (install.INDEXES builds it).
LOSSES_INDEX = "lost_opportunity_analysis_by_territory_index"
BUILT = "Built"
COLUMNS = ("name", "company", "month", "dimension", "value", *FILTER_FIELDS, "losses", "amount")


def total_of(dimension: str) -> str:
	"""The dimension of a month's totals per group over every filter value, which a report without
	filters reads: where losses vary by owner, source and the rest, the detailed rows are about one per
	loss."""
	return f"{dimension} Total"


# Marking ----------------------------------------------------------------------------------------------


def mark_opportunity(doc, method=None):
	"""Opportunity on_change and on_trash: the months of its loss before and after the change."""
	before = doc.get_doc_before_save()
	stale = {_month_of(before), _month_of(doc)} - {None}
	if stale:
		mark_stale(stale)


def mark_stale(months: set[tuple[str, object]]):
	"""(company, any day of the month) pairs: those months are recomputed in the background."""
	summary = frappe.qb.DocType(SUMMARY)
	for company, day in months:
		frappe.qb.from_(summary).delete().where(
			(summary.company == company)
			& (summary.month == month_start(getdate(day)))
			& (summary.dimension == BUILT)
		).run()
	refresh_later()


def mark_all_stale(doc=None, method=None, *args, **kwargs):
	"""Opportunity Lost Reason renamed, deleted or moved to another category: every month may change.
	Also a doc_event, whatever arguments Frappe passes."""
	if doc is not None and method == "on_update":
		before = doc.get_doc_before_save()
		if before is None or before.get("category") == doc.get("category"):
			return
	# Through the index, company by company: on the dimension alone it scanned (and locked) every row.
	summary = frappe.qb.DocType(SUMMARY)
	companies = frappe.get_all("Company", pluck="name")
	if companies:
		frappe.qb.from_(summary).delete().where(
			summary.company.isin(companies) & (summary.dimension == BUILT)
		).run()
	refresh_later()


REFRESH_JOB = "opportunity_pipeline:refresh_loss_summary"


def refresh_later():
	"""Queue refresh_stale_months once the change is committed; one such job waits at a time."""
	frappe.enqueue(
		refresh_stale_months,
		queue="long",
		job_id=REFRESH_JOB,
		deduplicate=True,
		enqueue_after_commit=True,
	)


def refresh_stale_months() -> int:
	"""Background: each month with losses whose summary is stale, recomputed and committed one by one
	(its locks end with it, so a save waits for one month at most). Returns the months recomputed."""
	summary = frappe.qb.DocType(SUMMARY)
	built = set(
		frappe.qb.from_(summary)
		.select(summary.company, summary.month)
		.where(summary.dimension == BUILT)
		.run()
	)
	stale = [(company, month) for company, month in months_with_losses() if (company, month) not in built]
	for company, month in stale:
		recompute(company, month)
		if not frappe.flags.in_test:
			frappe.db.commit()
	return len(stale)


def months_with_losses(company: str | None = None, first=None, last=None) -> list[tuple]:
	"""(company, first day of the month) of every month with a loss; of one company's months from
	`first` to `last` (first days of months) when given, read through the losses' index by date."""
	opportunity = frappe.qb.DocType("Opportunity")
	yearmonth = Extract(DatePart.year, opportunity.lost_date) * 100 + Extract(
		DatePart.month, opportunity.lost_date
	)
	condition = (opportunity.status == "Lost") & opportunity.lost_date.isnotnull()
	if company:
		condition &= opportunity.company == company
	if first and last:
		condition &= (opportunity.lost_date >= first) & (opportunity.lost_date < next_month(last))
	# Through the losses' covering index: MariaDB otherwise picks the one on lost_date alone and reads a
	# table row per loss (17 s for 60 months of 1,000,000 opportunities).
	query = frappe.qb.from_(opportunity).select(opportunity.company, yearmonth).distinct().where(condition)
	rows = force_index(query, LOSSES_INDEX).run()
	return [(company, getdate(f"{int(value) // 100}-{int(value) % 100:02d}-01")) for company, value in rows]


def months_to_refresh(company: str, months: list) -> list:
	"""The months among `months` (first days, none fresh) that hold losses: those the background job
	still has to recompute. A month without a loss has nothing to read and is never built."""
	if not months:
		return []
	with_losses = {month for _company, month in months_with_losses(company, min(months), max(months))}
	return [month for month in months if month in with_losses]


def _month_of(doc):
	if doc and doc.get("status") == "Lost" and doc.get("lost_date") and doc.get("company"):
		return (doc.company, month_start(getdate(doc.lost_date)))
	return None


# Reading ----------------------------------------------------------------------------------------------


def fresh_months(company: str, months: list) -> list:
	"""The months among `months` the summary answers now; the report reads the others in detail. Nothing
	is written here: refresh_stale_months brings them up to date in the background."""
	if not months:
		return []
	summary = frappe.qb.DocType(SUMMARY)
	fresh = set(
		frappe.qb.from_(summary)
		.select(summary.month)
		.where((summary.company == company) & (summary.dimension == BUILT) & summary.month.isin(months))
		.run(pluck=True)
	)
	return [month for month in months if month in fresh]


def recompute(company: str, month):
	"""One month of one company, from the opportunities: its rows replaced, then marked fresh."""
	opportunity = frappe.qb.DocType("Opportunity")
	summary = frappe.qb.DocType(SUMMARY)
	first, following = month_start(getdate(month)), next_month(month_start(getdate(month)))
	# Each dimension named, so the delete reads one index range each, not every month of the company.
	frappe.qb.from_(summary).delete().where(
		(summary.company == company)
		& summary.dimension.isin([*DIMENSIONS, *map(total_of, DIMENSIONS), BUILT])
		& (summary.month == first)
	).run()
	condition = (
		(opportunity.status == "Lost")
		& (opportunity.company == company)
		& (opportunity.lost_date >= first)
		& (opportunity.lost_date < following)
	)
	group_terms = {field: opportunity[opportunity_field(field)] for field in FILTER_FIELDS}
	rows = []
	for dimension in DIMENSIONS:
		# A locking read: a loss changed by a transaction not yet committed is waited for and then read as
		# committed, where a plain read would see this transaction's older snapshot and mark the month
		# fresh with the old figures.
		for row in losses(condition, dimension, group_terms).for_update().run(as_dict=True):
			filters = [row[field] for field in FILTER_FIELDS]
			rows.append((company, first, dimension, row.grp or "", *filters, row["count"], row.amount or 0))
	built = (company, first, BUILT, "", *([None] * len(FILTER_FIELDS)), 0, 0)
	_write([*rows, *_totals(rows), built])


def add_totals_to_fresh_months():
	"""The totals of each fresh month, from its detailed rows (patch total_losses_per_month), so a summary
	built before the totals existed answers at once; a stale month gets them when it is recomputed."""
	summary = frappe.qb.DocType(SUMMARY)
	for company, month in (
		frappe.qb.from_(summary)
		.select(summary.company, summary.month)
		.where(summary.dimension == BUILT)
		.run()
	):
		rows = (
			frappe.qb.from_(summary)
			.select(*(summary[column] for column in COLUMNS[1:]))
			.where(
				(summary.company == company) & summary.dimension.isin(DIMENSIONS) & (summary.month == month)
			)
			.run()
		)
		_write(_totals(rows))


def _totals(rows) -> list[tuple]:
	"""Per company, month, dimension and group, the total of detailed summary `rows` over every filter
	value: each loss has one value of every filter, so a group's rows add up without counting it twice."""
	totals = {}
	for company, month, dimension, group, *_filters, count, amount in rows:
		key = (company, month, total_of(dimension), group)
		so_far = totals.get(key, (0, 0))
		totals[key] = (so_far[0] + count, so_far[1] + amount)
	no_filter = [None] * len(FILTER_FIELDS)
	return [(*key, *no_filter, count, amount) for key, (count, amount) in totals.items()]


def _write(rows):
	now, user = now_datetime(), frappe.session.user
	frappe.db.bulk_insert(
		SUMMARY,
		[*COLUMNS, "creation", "modified", "owner", "modified_by"],
		[(_key(row), *row, now, now, user, user) for row in rows],
		ignore_duplicates=True,  # a report reading the same month at the same moment wrote the same rows
	)


def _key(row) -> str:
	return hashlib.md5(
		"\x1f".join("" if value is None else str(value) for value in row[:-2]).encode()
	).hexdigest()


def summed(company: str, dimension: str, months: list, filters: dict, from_date):
	"""count and amount per group and month from the summary, in the report's row shape."""
	summary = frappe.qb.DocType(SUMMARY)
	if not months:
		return []
	filtered = [field for field in FILTER_FIELDS if filters.get(field)]
	if not filtered:
		dimension = total_of(dimension)  # a row per group and month, not one per mix of filter values
	condition = (summary.company == company) & (summary.dimension == dimension) & summary.month.isin(months)
	for field in filtered:
		condition &= summary[field] == filters[field]
	current = Case().when(summary.month >= getdate(from_date), 1).else_(0)
	year, month = Extract(DatePart.year, summary.month), Extract(DatePart.month, summary.month)
	return (
		frappe.qb.from_(summary)
		.select(
			summary.value.as_("grp"),
			current.as_("current"),
			year.as_("year"),
			month.as_("month"),
			Sum(summary.losses).as_("count"),
			Sum(summary.amount).as_("amount"),
		)
		.where(condition)
		.groupby(summary.value, current, year, month)
		.run(as_dict=True)
	)


# Rebuilding -------------------------------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
def rebuild_loss_summary() -> dict:
	"""Rebuild the whole summary now, in the background with a progress bar: System Manager only."""
	if "System Manager" not in frappe.get_roles():
		frappe.throw(_("Only a System Manager may rebuild the losses summary."), frappe.PermissionError)
	job = frappe.enqueue(
		rebuild,
		queue="long",
		job_id="opportunity_pipeline:rebuild_loss_summary",
		deduplicate=True,
		now=frappe.flags.in_test,
		publish_progress=True,
	)
	return {"queued": bool(job)}


def rebuild(publish_progress: bool = False):
	"""Every month of every company that has losses, from the opportunities (a patch runs it too)."""
	frappe.db.delete(SUMMARY)
	months = months_with_losses()
	for done, (company, month) in enumerate(months, start=1):
		recompute(company, month)
		if not frappe.flags.in_test:
			frappe.db.commit()  # each month's locks end with it, so saves wait for one month at most
		if publish_progress:
			frappe.publish_progress(
				done * 100 / len(months),
				title=_("Rebuilding the losses summary"),
				description=_("{0} of {1} months").format(done, len(months)),
			)
	return len(months)
