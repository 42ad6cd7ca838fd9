"""Writing the pipeline history: one rule, written set-based for the jobs and per row for a save.

`record_changes(condition)` compares each matching document with its current state row in SQL: it
closes the rows whose tracked values differ, then inserts a row for every document left without a
current one (a new document, or one whose row was just closed). A save, a db_set (ERPNext's status
from quotations and orders, Frappe CRM's status), a data import, the auto-close and the learned
probability's UPDATE all come through it or through `record_document`, its one-document form (on_change),
so each change writes exactly one row and a save that changes nothing writes none.

Both document types write to one table: each row says its `document_type`, read from the declaration
(pipeline_document.py), and every lookup by name asks it too, as a deal and an opportunity may share a
name. A deal's row has the company NO_COMPANY: a company's queries never read it.
"""

import functools
from datetime import timedelta

from pypika.terms import Criterion, Parameter, Term, ValueWrapper

import frappe
from frappe.query_builder import Case
from frappe.query_builder.functions import Coalesce, Round
from frappe.utils import now_datetime

from opportunity_pipeline.pipeline_document import (
	NO_COMPANY,
	OPPORTUNITY,
	PIPELINE_DOCUMENTS,
	PipelineDocument,
)
from opportunity_pipeline.pipeline_history.rules import (
	CURRENT_SPAN,
	LONGEST_SPAN,
	RECORDED,
	SPAN_DAYS,
	TRACKED_FIELDS,
	ends_follow_up,
	next_contact_since,
	next_stage_fields,
	span_class,
)
from opportunity_pipeline.reporting.query import amount_in_company_currency
from opportunity_pipeline.sql import DaysBetween, Differs, NextName, Qualified
from opportunity_pipeline.win_probability.settings import column

STATE = "Opportunity Pipeline State"


def tracked_terms(document: PipelineDocument = OPPORTUNITY, table=None) -> dict:
	"""Each tracked value as a term on the document's table, in the form it is stored, as its declaration
	maps it (a deal's stage is its status; it has no company and no opportunity type)."""
	table = table or frappe.qb.DocType(document.doctype)
	opportunity_type = document.groups.get("Opportunity Type")
	terms = {
		"company": table[document.company_field] if document.company_field else ValueWrapper(NO_COMPANY),
		"status": table[document.status_field],
		"sales_stage": table[document.stage.fieldname],
		"amount": Round(amount_in_company_currency(table, document), 9),
		"probability": Coalesce(table[document.probability_field], 0),
		"expected_closing": table[document.expected_closing_field],
		"opportunity_owner": table[document.owner_field],
		"contact_by": table.contact_by,
		"contact_date": table.contact_date,
		"territory": table[document.territory.fieldname],
		"opportunity_type": table[opportunity_type] if opportunity_type else ValueWrapper(None),
		"source": table[column("source", document)],
	}
	return {field: terms[field] for field in TRACKED_FIELDS}


def open_values(document: PipelineDocument) -> list[str]:
	"""The document type's open statuses (imported here: document_types reaches the auto-close job, which
	imports this module)."""
	from opportunity_pipeline.document_types import open_statuses

	return open_statuses(document)


def open_among(document: PipelineDocument, statuses) -> list[str]:
	"""Which of these statuses are open, each one's type read through Frappe's document cache (a save
	needs only its old and new status, not a query of every open status on each save)."""
	from opportunity_pipeline.document_types import status_type

	return [
		status for status in set(statuses) if status_type(document, status) in document.status_groups.open
	]


def span_term(valid_from: Term, valid_to):
	"""rules.span_class in SQL, for a row closed at `valid_to` (a datetime)."""
	case = Case()
	for number, days in enumerate(SPAN_DAYS, start=1):
		case = case.when(valid_from >= valid_to - timedelta(days=days), number)
	return case.else_(LONGEST_SPAN)


def record_changes(condition, now=None, document: PipelineDocument = OPPORTUNITY) -> None:
	"""Bring the history of the documents matching `condition` (on the document type's unaliased table)
	up to date with their stored values, as at `now`."""
	now = now or now_datetime()
	opportunity = frappe.qb.DocType(document.doctype)
	state = frappe.qb.DocType(STATE)
	terms = tracked_terms(document, opportunity)
	open_statuses = open_values(document)

	changed = Criterion.any([Differs(state[field], term) for field, term in terms.items()])
	follow_up_done = (
		state.status.isin(open_statuses)
		& (state.contact_since <= state.contact_date)
		& (state.contact_date < now)
		& (Differs(state.contact_date, terms["contact_date"]) | terms["status"].notin(open_statuses))
	)
	(
		frappe.qb.update(state)
		.join(opportunity)
		.on((opportunity.name == state.opportunity) & (state.document_type == document.doctype))
		.set(Qualified(state.valid_to), now)
		.set(Qualified(state.span_class), span_term(state.valid_from, now))
		.set(Qualified(state.ends_follow_up), Case().when(follow_up_done, 1).else_(0))
		.where(state.valid_to.isnull() & condition & changed)
	).run()

	current = frappe.qb.DocType(STATE).as_("current_state")
	previous = frappe.qb.DocType(STATE).as_("previous_state")
	stage_changed = previous.name.isnull() | Differs(previous.sales_stage, terms["sales_stage"])
	was_open, is_open = previous.status.isin(open_statuses), terms["status"].isin(open_statuses)
	stay_ends = was_open & (stage_changed | is_open.negate())
	starts = is_open & (stage_changed | was_open.negate())
	columns = {
		"name": NextName(STATE),
		"creation": ValueWrapper(now),
		"modified": ValueWrapper(now),
		"owner": opportunity.modified_by,
		"modified_by": opportunity.modified_by,
		"document_type": ValueWrapper(document.doctype),
		"opportunity": opportunity.name,
		**terms,
		"valid_from": ValueWrapper(now),
		"origin": ValueWrapper(RECORDED),
		"changed_by": opportunity.modified_by,
		"span_class": ValueWrapper(CURRENT_SPAN),
		"stage_since": Case()
		.when(starts | previous.name.isnull(), ValueWrapper(now))
		.else_(previous.stage_since),
		"left_stage": Case().when(stay_ends, previous.sales_stage),
		"stage_days": Case().when(stay_ends, DaysBetween(previous.stage_since, ValueWrapper(now))).else_(0),
		"contact_since": Case().when(
			is_open & terms["contact_date"].notnull(),
			Case()
			.when(was_open & (previous.contact_date == terms["contact_date"]), previous.contact_since)
			.else_(ValueWrapper(now)),
		),
	}
	(
		frappe.qb.into(state)
		.columns(*columns)
		.from_(opportunity)
		.left_join(current)
		.on(
			(current.opportunity == opportunity.name)
			& (current.document_type == document.doctype)
			& current.valid_to.isnull()
		)
		.left_join(previous)
		.on(
			(previous.opportunity == opportunity.name)
			& (previous.document_type == document.doctype)
			& (previous.valid_to == now)
		)
		.select(*columns.values())
		.where(condition & current.name.isnull())
	).run()


def record_document(doc, method=None):
	"""on_change of a pipeline document: after every save and every db_set. The same rule as
	record_changes, for one document: one indexed query reads its stored values beside its current row,
	and only a change writes (the row closed by its key, the new one inserted), which keeps a save's cost
	low."""
	document = PIPELINE_DOCUMENTS[doc.doctype]
	query = _current_state_query(frappe.db.db_type, doc.doctype)
	found = frappe.db.sql(query, {"name": doc.name}, as_dict=True)
	if not found:
		return
	stored = found[0]
	new = {field: stored[f"new_{field}"] for field in TRACKED_FIELDS}
	if stored.current is not None and all(new[field] == stored[f"old_{field}"] for field in TRACKED_FIELDS):
		return
	now = now_datetime()
	open_statuses = open_among(document, (stored.old_status, new["status"]))
	previous = None
	if stored.current is not None:
		previous = {
			"status": stored.old_status,
			"sales_stage": stored.old_sales_stage,
			"stage_since": stored.stage_since,
			"contact_date": stored.old_contact_date,
			"contact_since": stored.contact_since,
		}
		frappe.db.sql(
			f"update `tab{STATE}` set valid_to = %s, span_class = %s, ends_follow_up = %s where name = %s",
			(
				now,
				span_class(stored.valid_from, now),
				ends_follow_up(previous, new, now, open_statuses),
				stored.current,
			),
		)
	row = {
		"creation": now,
		"modified": now,
		"owner": stored.modified_by,
		"modified_by": stored.modified_by,
		"document_type": doc.doctype,
		"opportunity": doc.name,
		**new,
		"valid_from": now,
		"origin": RECORDED,
		"changed_by": stored.modified_by,
		"span_class": CURRENT_SPAN,
		**next_stage_fields(previous, new, now, open_statuses),
		"contact_since": next_contact_since(previous, new, now, open_statuses),
	}
	columns = ", ".join(f"`{column}`" for column in row)
	marks = ", ".join(["%s"] * len(row))
	frappe.db.sql(
		f"insert into `tab{STATE}` (`name`, {columns}) values ({NextName(STATE).get_sql()}, {marks})",
		tuple(row.values()),
	)


@functools.cache
def _current_state_query(db_type: str, doctype: str) -> str:
	"""A document's tracked values as stored (new_*) beside its current row (old_*), by name; built once
	per database type and document type (frappe.qb writes each one's SQL), as every save runs it."""
	document = PIPELINE_DOCUMENTS[doctype]
	opportunity = frappe.qb.DocType(doctype)
	current = frappe.qb.DocType(STATE).as_("current_state")
	terms = tracked_terms(document, opportunity)
	return (
		frappe.qb.from_(opportunity)
		.left_join(current)
		.on(
			(current.opportunity == opportunity.name)
			& (current.document_type == doctype)
			& current.valid_to.isnull()
		)
		.select(
			*(term.as_(f"new_{field}") for field, term in terms.items()),
			opportunity.modified_by,
			current.name.as_("current"),
			current.valid_from,
			current.stage_since,
			current.contact_since,
			*(current[field].as_(f"old_{field}") for field in TRACKED_FIELDS),
		)
		.where(opportunity.name == Parameter("%(name)s"))
		.get_sql()
	)


def close_history(doc, method=None):
	"""on_trash of a pipeline document: its last row ends, so as-of queries after this moment no longer
	count it, and its rows are marked deleted: Frappe gives the name back to the next document of the
	series when the last one is deleted, and that one's history must not continue this one's."""
	now = now_datetime()
	state = frappe.qb.DocType(STATE)
	its_rows = (state.opportunity == doc.name) & (state.document_type == doc.doctype) & (state.deleted == 0)
	(
		frappe.qb.update(state)
		.set(state.valid_to, now)
		.set(state.span_class, span_term(state.valid_from, now))
		.where(its_rows & state.valid_to.isnull())
	).run()
	frappe.qb.update(state).set(state.deleted, 1).where(its_rows).run()
