"""Writing the pipeline history: one set-based step that every path shares.

`record_changes(condition)` compares each matching opportunity with its current state row in SQL: it
closes the rows whose tracked values differ, then inserts a row for every opportunity left without a
current one (a new opportunity, or one whose row was just closed). A save, a db_set (ERPNext's status
from quotations and orders), a data import, the auto-close and the learned probability's UPDATE all
come through it, so each change writes exactly one row and a save that changes nothing writes none.
"""

from pypika.terms import Criterion, Term, ValueWrapper

import frappe
from frappe.query_builder import Case
from frappe.query_builder.functions import Coalesce, Round
from frappe.utils import now_datetime

from opportunity_pipeline.pipeline_history.rules import (
	CURRENT_SPAN,
	LONGEST_SPAN,
	RECORDED,
	SPAN_DAYS,
	TRACKED_FIELDS,
)
from opportunity_pipeline.reporting.query import amount_in_company_currency
from opportunity_pipeline.sql import DaysBetween, Differs, NextName, Qualified
from opportunity_pipeline.statuses import OPEN_STATUSES
from opportunity_pipeline.win_probability.settings import column

STATE = "Opportunity Pipeline State"


def tracked_terms(opportunity=None) -> dict:
	"""Each tracked value as a term on Opportunity, in the form it is stored."""
	opportunity = opportunity or frappe.qb.DocType("Opportunity")
	terms = {field: opportunity[field] for field in TRACKED_FIELDS}
	terms["amount"] = Round(amount_in_company_currency(opportunity), 9)
	terms["probability"] = Coalesce(opportunity.probability, 0)
	terms["source"] = opportunity[column("source")]
	return terms


def span_term(valid_from: Term, valid_to):
	"""rules.span_class in SQL, for a row closed at `valid_to` (a datetime)."""
	from datetime import timedelta

	case = Case()
	for number, days in enumerate(SPAN_DAYS, start=1):
		case = case.when(valid_from >= valid_to - timedelta(days=days), number)
	return case.else_(LONGEST_SPAN)


def record_changes(condition, now=None) -> None:
	"""Bring the history of the opportunities matching `condition` (on the unaliased Opportunity table)
	up to date with their stored values, as at `now`."""
	now = now or now_datetime()
	opportunity = frappe.qb.DocType("Opportunity")
	state = frappe.qb.DocType(STATE)
	terms = tracked_terms(opportunity)

	changed = Criterion.any([Differs(state[field], term) for field, term in terms.items()])
	(
		frappe.qb.update(state)
		.join(opportunity)
		.on(opportunity.name == state.opportunity)
		.set(Qualified(state.valid_to), now)
		.set(Qualified(state.span_class), span_term(state.valid_from, now))
		.where(state.valid_to.isnull() & condition & changed)
	).run()

	current = frappe.qb.DocType(STATE).as_("current_state")
	previous = frappe.qb.DocType(STATE).as_("previous_state")
	stage_changed = previous.name.isnull() | Differs(previous.sales_stage, terms["sales_stage"])
	was_open, is_open = previous.status.isin(OPEN_STATUSES), terms["status"].isin(OPEN_STATUSES)
	stay_ends = was_open & (stage_changed | is_open.negate())
	starts = is_open & (stage_changed | was_open.negate())
	columns = {
		"name": NextName(STATE),
		"creation": ValueWrapper(now),
		"modified": ValueWrapper(now),
		"owner": opportunity.modified_by,
		"modified_by": opportunity.modified_by,
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
	}
	(
		frappe.qb.into(state)
		.columns(*columns)
		.from_(opportunity)
		.left_join(current)
		.on((current.opportunity == opportunity.name) & current.valid_to.isnull())
		.left_join(previous)
		.on((previous.opportunity == opportunity.name) & (previous.valid_to == now))
		.select(*columns.values())
		.where(condition & current.name.isnull())
	).run()


def record_opportunity(doc, method=None):
	"""Opportunity on_change: after every save and every db_set."""
	opportunity = frappe.qb.DocType("Opportunity")
	record_changes(opportunity.name == doc.name)


def close_history(doc, method=None):
	"""Opportunity on_trash: its last row ends, so as-of queries after this moment no longer count it,
	and its rows are marked deleted: Frappe gives the name back to the next opportunity of the series
	when the last one is deleted, and that one's history must not continue this one's."""
	now = now_datetime()
	state = frappe.qb.DocType(STATE)
	(
		frappe.qb.update(state)
		.set(state.valid_to, now)
		.set(state.span_class, span_term(state.valid_from, now))
		.where((state.opportunity == doc.name) & state.valid_to.isnull() & (state.deleted == 0))
	).run()
	frappe.qb.update(state).set(state.deleted, 1).where(
		(state.opportunity == doc.name) & (state.deleted == 0)
	).run()
