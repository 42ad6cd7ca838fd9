"""The team forecast's figures from ERPNext's own records, each counting only the rows `frappe.get_list`
would show the user: the Sales People they may read; quotas from those people's targets for the fiscal
year (Target Detail) spread by the target's Monthly Distribution; bookings from submitted Sales Orders (or
Sales Invoices) through each Sales Team row's contribution; the open pipeline of the opportunities (or
deals) their users own, by forecast category, closing in the year; and what those users won (closed) in
it, as Forecast Accuracy reads it."""

from collections import defaultdict

from pypika.enums import DatePart

import frappe
from frappe.query_builder.functions import Coalesce, Extract, Sum
from frappe.utils import add_months, getdate

from erpnext.accounts.doctype.monthly_distribution.monthly_distribution import (
	get_periodwise_distribution_data,
)

from opportunity_pipeline.document_types import open_statuses
from opportunity_pipeline.forecast_category.category import FIELD as CATEGORY_FIELD
from opportunity_pipeline.forecast_category.rules import BEST_CASE, COMMIT
from opportunity_pipeline.permissions import readable_condition
from opportunity_pipeline.pipeline_document import PipelineDocument
from opportunity_pipeline.reporting.query import amount_in_company_currency
from opportunity_pipeline.reporting.wins import won_by_month_and_owner
from opportunity_pipeline.team_forecast.rules import quota_share

# Where bookings are read from, and the date that puts one in a period.
BOOKINGS = {"Sales Order": "transaction_date", "Sales Invoice": "posting_date"}
CATEGORY_MEASURES = {COMMIT: "commit", BEST_CASE: "best_case"}


def sales_people() -> list[dict]:
	"""The Sales People the user may read, in tree order."""
	return frappe.get_list(
		"Sales Person",
		fields=["name", "parent_sales_person", "lft", "rgt", "employee"],
		order_by="lft asc",
		limit_page_length=0,
	)


def people_by_user(people: list[dict]) -> dict[str, list[str]]:
	"""Each user and the sales people they are (Sales Person ▸ Employee ▸ User ID, as ERPNext links them)."""
	employees = {person.employee for person in people if person.employee}
	if not employees:
		return {}
	users = dict(
		frappe.get_all("Employee", {"name": ("in", list(employees))}, ["name", "user_id"], as_list=True)
	)
	by_user = defaultdict(list)
	for person in people:
		if user := users.get(person.employee):
			by_user[user].append(person.name)
	return by_user


def period_of_month(periods) -> dict[tuple[int, int], str]:
	"""(year, month) -> the key of the period holding that month."""
	months = {}
	for period in periods:
		month = getdate(period.from_date).replace(day=1)
		while month <= getdate(period.to_date):
			months[(month.year, month.month)] = period.key
			month = getdate(add_months(month, 1))
	return months


def quotas(people: list[dict], fiscal_year: str, periods, periodicity: str) -> dict:
	"""{person: {(period, "quota"): amount}} from their targets for the fiscal year (all item groups)."""
	names = [person.name for person in people]
	targets = (
		frappe.get_all(
			"Target Detail",
			filters={"parenttype": "Sales Person", "parent": ("in", names), "fiscal_year": fiscal_year},
			fields=["parent", "target_amount", "distribution_id"],
		)
		if names
		else []
	)
	shares = {}
	own = defaultdict(lambda: defaultdict(float))
	for target in targets:
		if target.distribution_id and target.distribution_id not in shares:
			shares[target.distribution_id] = get_periodwise_distribution_data(
				target.distribution_id, periods, periodicity
			)
		distribution = shares.get(target.distribution_id) if target.distribution_id else None
		for period in periods:
			percentage = distribution.get(period.key) if distribution is not None else None
			own[target.parent][(period.key, "quota")] += quota_share(
				target.target_amount or 0, percentage, len(periods)
			)
	return own


def bookings(people: list[dict], company: str, periods, source: str) -> dict:
	"""{person: {(period, "won"): amount}}: each submitted Sales Order's (or Sales Invoice's) contribution
	of each sales person (its Sales Team row's allocated amount, in company currency) in the period of its
	date, over the documents the user may read."""
	names = [person.name for person in people]
	if not names:
		return {}
	parent, team = frappe.qb.DocType(source), frappe.qb.DocType("Sales Team")
	date = parent[BOOKINGS[source]]
	condition = (
		(parent.docstatus == 1)
		& (parent.company == company)
		& date[getdate(periods[0].from_date) : getdate(periods[-1].to_date)]
		& team.sales_person.isin(names)
	)
	if readable := readable_condition(source):
		condition &= readable
	year, month = Extract(DatePart.year, date), Extract(DatePart.month, date)
	rows = (
		frappe.qb.from_(parent)
		.join(team)
		.on((team.parent == parent.name) & (team.parenttype == source) & (team.parentfield == "sales_team"))
		.select(
			team.sales_person, year.as_("year"), month.as_("month"), Sum(team.allocated_amount).as_("amount")
		)
		.where(condition)
		.groupby(team.sales_person, year, month)
		.run(as_dict=True)
	)
	months = period_of_month(periods)
	own = defaultdict(lambda: defaultdict(float))
	for row in rows:
		own[row.sales_person][(months[(int(row.year), int(row.month))], "won")] += row.amount or 0
	return own


def pipeline(document: PipelineDocument, by_user: dict, company: str, periods) -> dict:
	"""{person: {(period, measure): amount}}: the open opportunities (or deals) their users own, closing in
	the period, by forecast category (commit, best case, pipeline) and weighted by their probability, over
	the documents the user may read."""
	if not by_user:
		return {}
	table = frappe.qb.DocType(document.doctype)
	closing, owner = table[document.expected_closing_field], table[document.owner_field]
	condition = (
		table[document.status_field].isin(open_statuses(document))
		& closing[getdate(periods[0].from_date) : getdate(periods[-1].to_date)]
		& owner.isin(list(by_user))
	)
	if document.company_field:
		condition &= table[document.company_field] == company
	if readable := readable_condition(document.doctype):
		condition &= readable
	amount = amount_in_company_currency(table, document)
	year, month = Extract(DatePart.year, closing), Extract(DatePart.month, closing)
	category = Coalesce(table[CATEGORY_FIELD], "")
	rows = (
		frappe.qb.from_(table)
		.select(
			owner.as_("owner"),
			category.as_("category"),
			year.as_("year"),
			month.as_("month"),
			Sum(amount).as_("amount"),
			Sum(amount * Coalesce(table[document.probability_field], 0) / 100).as_("weighted"),
		)
		.where(condition)
		.groupby(owner, category, year, month)
		.run(as_dict=True)
	)
	months = period_of_month(periods)
	own = defaultdict(lambda: defaultdict(float))
	for row in rows:
		period = months[(int(row.year), int(row.month))]
		measure = CATEGORY_MEASURES.get(row.category, "pipeline")
		for person in by_user[row.owner]:
			own[person][(period, measure)] += row.amount or 0
			own[person][(period, "weighted")] += row.weighted or 0
	return own


def closed(document: PipelineDocument, by_user: dict, company: str, periods) -> dict:
	"""{person: {(period, "closed"): amount}}: the opportunities (or deals) their users own that were won
	in the period (the forecast category Closed), over the documents the user may read: what a submitted
	forecast is measured against."""
	if not by_user:
		return {}
	months = period_of_month(periods)
	own = defaultdict(lambda: defaultdict(float))
	for (month, owner), amount in won_by_month_and_owner(
		document,
		company,
		periods[0].from_date,
		periods[-1].to_date,
		readable_condition(document.doctype),
		owners=list(by_user),
	).items():
		for person in by_user.get(owner, []):
			own[person][(months[(month.year, month.month)], "closed")] += amount
	return own
