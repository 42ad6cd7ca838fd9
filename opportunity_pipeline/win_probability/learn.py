"""Learning the win factors of each company (and of Frappe CRM's deals, which have no company): one GROUP
BY query over its closed documents, never loading one, then one bulk insert of what was learned."""

import frappe
from frappe.query_builder import Case
from frappe.query_builder.functions import Coalesce, Count, Max
from frappe.utils import get_datetime, now_datetime

from opportunity_pipeline.document_types import (
	open_statuses,
	ordered_stages,
	status_log_clock_offset,
	status_log_rows,
	status_log_time_on_site_clock,
	statuses_in,
	stay_is_open,
)
from opportunity_pipeline.frappe_crm import CLOSING_INDEX
from opportunity_pipeline.pipeline_document import OPPORTUNITY, PipelineDocument
from opportunity_pipeline.reporting.query import amount_in_company_currency
from opportunity_pipeline.sql import IndexedTable
from opportunity_pipeline.statuses import LOST_STATUSES, WON_STATUSES
from opportunity_pipeline.win_probability.rules import (
	AMOUNT_BAND,
	BLANK,
	Factor,
	amount_bands,
	learn,
)
from opportunity_pipeline.win_probability.settings import column, win_probability_settings

WIN_FACTOR = "Opportunity Win Factor"
FACTOR_COLUMNS = (
	"name",
	"document_type",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"company",
	"sales_stage",
	"field",
	"value",
	"won",
	"lost",
	"weight",
)


def won_and_lost(document: PipelineDocument, settings) -> tuple[list, list]:
	"""The status values learning counts as won and as lost (closed too, where the manager says so)."""
	groups = document.status_groups
	lost_kinds = groups.lost + (groups.closed if settings.closed_is_lost else ())
	return statuses_in(document, groups.won), statuses_in(document, lost_kinds)


def learned_stages(document: PipelineDocument) -> list[str]:
	"""The stages from first to last; where the stage is the status, only the open ones."""
	stages = ordered_stages(document)
	if document.stage_is_status:
		still_open = set(open_statuses(document))
		stages = [stage for stage in stages if stage in still_open]
	return stages


def field_term(field: str, table=None, document: PipelineDocument = OPPORTUNITY):
	"""The SQL value of a model field on a document's row: its column, or the amount's band."""
	table = table or frappe.qb.DocType(document.doctype)
	if field == AMOUNT_BAND:
		amount = amount_in_company_currency(table, document)
		band = Case()
		for _lower, upper, value in amount_bands()[:-1]:
			band = band.when(amount < upper, value)
		return band.else_(amount_bands()[-1][2])
	return Coalesce(table[column(field, document)], BLANK)


def stage_left_for_loss(document: PipelineDocument, lost: list):
	"""Where the stage is the status: (parent, stage) of the stage each lost document was in when it was
	lost, the `from` of its status log's last row that went to a lost status (a derived table)."""
	log = frappe.qb.DocType(document.status_log.doctype)
	later = frappe.qb.DocType(document.status_log.doctype).as_("later")
	return (
		frappe.qb.from_(log)
		.left_join(later)
		.on(
			(later.parent == log.parent)
			& (later.parenttype == log.parenttype)
			& (later.parentfield == log.parentfield)
			& later.to.isin(lost)
			& (later.from_date > log.from_date)
		)
		.select(log.parent, log["from"].as_("stage"))
		.where(status_log_rows(document, log) & log.to.isin(lost) & later.name.isnull())
	).as_("lost_at")


def closed_at(opportunity=None):
	"""When a closed opportunity ended: converted, lost, or (closed) last changed (with_closed_on says it
	for every document type)."""
	opportunity = opportunity or frappe.qb.DocType("Opportunity")
	return (
		Case()
		.when(opportunity.status.isin(WON_STATUSES), Coalesce(opportunity.converted_on, opportunity.modified))
		.when(opportunity.status.isin(LOST_STATUSES), Coalesce(opportunity.lost_date, opportunity.modified))
		.else_(opportunity.modified)
	)


def with_closed_on(query, table, document: PipelineDocument, finished: list, without_log=None):
	"""The query joined to what tells when a closed document closed, and that term: on Opportunity when it
	was converted, lost or (closed) last changed (closed_at, or `without_log` where the caller has its own
	term); where the stage is the status, when its final stay began, from its status log, on the site's
	clock (its last change where the log has none). `finished`: the won and lost statuses counted."""
	if not (document.stage_is_status and document.status_log):
		return query, closed_at(table) if without_log is None else without_log
	log = frappe.qb.DocType(document.status_log.doctype)
	became_closed = (
		frappe.qb.from_(log)
		.select(log.parent, Max(log.from_date).as_("closed_on"))
		.where(status_log_rows(document, log) & log["from"].isin(finished))
		.groupby(log.parent)
	).as_("became_closed")
	query = query.left_join(became_closed).on(became_closed.parent == table.name)
	return query, Coalesce(status_log_time_on_site_clock(became_closed.closed_on), table.modified)


def closed_between(table, document: PipelineDocument, finished: list, start, end, without_log=None) -> list:
	"""(query, closed_on) pairs from `table` whose rows together are the documents closed in [start, end),
	each query already narrowed to that range (the caller adds that the document's status is still one of
	`finished`). Where the stage is the status: the stays in a `finished` status that began in the range
	and are still open, through the log's frappe_crm.CLOSING_INDEX; and apart, the finished documents whose
	log has no such open stay, by their last change. On a log as Frappe CRM writes it (one open stay, its
	last row) that is the date with_closed_on gives, which groups every closed document's log instead:
	that took 5.9 s on 400,000 won deals here, and looking up each stay's later ones 3.2 s."""
	if not (document.stage_is_status and document.status_log):
		closed_on = closed_at(table) if without_log is None else without_log
		return [(frappe.qb.from_(table).where((closed_on >= start) & (closed_on < end)), closed_on)]
	offset = status_log_clock_offset()
	stay = IndexedTable(f"tab{document.status_log.doctype}", CLOSING_INDEX).as_("closing_stay")
	in_range = (
		frappe.qb.from_(stay)
		.join(table)
		.on(table.name == stay.parent)
		.where(
			status_log_rows(document, stay)
			& stay["from"].isin(finished)
			& (stay.from_date >= get_datetime(start) - offset)
			& (stay.from_date < get_datetime(end) - offset)
			& stay_is_open(stay)
		)
	)
	any_stay = frappe.qb.DocType(document.status_log.doctype).as_("any_stay")
	no_stay = (
		frappe.qb.from_(table)
		.left_join(any_stay)
		.on(
			(any_stay.parent == table.name)
			& status_log_rows(document, any_stay)
			& any_stay["from"].isin(finished)
			& stay_is_open(any_stay)
		)
		.where((table.modified >= start) & (table.modified < end) & any_stay.name.isnull())
	)
	return [(in_range, status_log_time_on_site_clock(stay.from_date)), (no_stay, table.modified)]


def closed_groups(
	company: str | None,
	settings,
	condition=None,
	document=OPPORTUNITY,
	closed_from=None,
	closed_before=None,
) -> list[tuple]:
	"""The closed documents of the company (every one where the type has no company), closed from
	`closed_from` and before `closed_before` where given, and `condition`, grouped as learning counts
	them: rows of (won, stage, values of the type's fields in order, count). One query; no document is
	loaded."""
	table = frappe.qb.DocType(document.doctype)
	won_statuses, lost_statuses = won_and_lost(document, settings)
	if not won_statuses or not lost_statuses:
		return []
	status = table[document.status_field]
	won = Case().when(status.isin(won_statuses), 1).else_(0)
	terms = [field_term(field, table, document) for field in settings.fields_of(document)]
	closed = status.isin(won_statuses + lost_statuses)
	if document.company_field:
		closed &= table[document.company_field] == company
	if condition is not None:
		closed &= condition
	query = frappe.qb.from_(table)
	if document.stage_is_status and document.status_log:
		lost_at = stage_left_for_loss(document, lost_statuses)
		query = query.left_join(lost_at).on(lost_at.parent == table.name)
		stage = Case().when(status.isin(won_statuses), BLANK).else_(Coalesce(lost_at.stage, BLANK))
	else:
		stage = Coalesce(table[document.stage.fieldname], BLANK)
	if closed_from or closed_before:
		query, closed_on = with_closed_on(query, table, document, won_statuses + lost_statuses)
		if closed_from:
			closed &= closed_on >= closed_from
		if closed_before:
			closed &= closed_on < closed_before
	query = query.select(won, stage, *terms, Count("*")).where(closed).groupby(won, stage, *terms)
	return [(bool(row[0]), row[1], tuple(row[2:-1]), row[-1]) for row in query.run()]


def learn_factors(company: str | None, settings, closed_before=None, document=OPPORTUNITY) -> list[Factor]:
	"""What the closed documents teach (only those closed before `closed_before`, for a backtest), counted
	by rules.learn."""
	fields = settings.fields_of(document)
	rows = (
		(won, stage, dict(zip(fields, values, strict=True)), count)
		for won, stage, values, count in closed_groups(
			company, settings, document=document, closed_before=closed_before
		)
	)
	return learn(rows, fields, learned_stages(document), settings.min_count)


def learn_company(company: str | None, settings=None, document=OPPORTUNITY) -> int:
	"""Learn the company's factors (the deals' where `document` is Frappe CRM's) and keep them in
	Opportunity Win Factor, replacing the last ones. Returns how many were kept."""
	settings = settings or win_probability_settings()
	factors = learn_factors(company, settings, document=document)
	scope = document.scope(company)
	frappe.db.delete(WIN_FACTOR, {"company": scope, "document_type": document.doctype})
	now, user = now_datetime(), frappe.session.user
	frappe.db.bulk_insert(
		WIN_FACTOR,
		FACTOR_COLUMNS,
		[
			(
				frappe.generate_hash(length=12),
				document.doctype,
				now,
				now,
				user,
				user,
				scope,
				factor.stage,
				factor.field,
				factor.value,
				factor.won,
				factor.lost,
				factor.weight,
			)
			for factor in factors
		],
	)
	return len(factors)


def stored_factors(
	company: str | None, stage: str | None = None, values: dict | None = None, document=OPPORTUNITY
) -> dict:
	"""The company's (or the deals') learned factors by (stage, field, value): all of them, or only those
	that can apply to a document at `stage` with `values` (one indexed query, for a save)."""
	factor = frappe.qb.DocType(WIN_FACTOR)
	query = frappe.qb.from_(factor).select(
		factor.sales_stage, factor["field"], factor.value, factor.won, factor.lost, factor.weight
	)
	condition = (factor.company == document.scope(company)) & (
		Coalesce(factor.document_type, OPPORTUNITY.doctype) == document.doctype
	)
	if values is not None:
		condition &= factor.sales_stage.isin([stage or BLANK, BLANK])
		wanted = factor["field"] == "sales_stage"
		for field, value in values.items():
			wanted |= (factor["field"] == field) & (factor.value == (value or BLANK))
		condition &= wanted
	return {
		(row[0], row[1], row[2]): Factor(row[0], row[1], row[2], row[3], row[4], row[5])
		for row in query.where(condition).run()
	}
