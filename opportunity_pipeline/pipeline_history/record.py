"""Writing the pipeline history: one rule, written set-based for the jobs and per row for a save.

`record_changes(condition)` compares each matching opportunity with its current state row in SQL: it
closes the rows whose tracked values differ, then inserts a row for every opportunity left without a
current one (a new opportunity, or one whose row was just closed). A save, a db_set (ERPNext's status
from quotations and orders), a data import, the auto-close and the learned probability's UPDATE all
come through it or through `record_opportunity`, its one-opportunity form (on_change), so each change
writes exactly one row and a save that changes nothing writes none.
"""

import functools
from datetime import timedelta

from pypika.terms import Criterion, Parameter, Term, ValueWrapper

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
	ends_follow_up,
	next_contact_since,
	next_stage_fields,
	span_class,
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
	follow_up_done = (
		state.status.isin(OPEN_STATUSES)
		& (state.contact_since <= state.contact_date)
		& (state.contact_date < now)
		& (Differs(state.contact_date, terms["contact_date"]) | terms["status"].notin(OPEN_STATUSES))
	)
	(
		frappe.qb.update(state)
		.join(opportunity)
		.on(opportunity.name == state.opportunity)
		.set(Qualified(state.valid_to), now)
		.set(Qualified(state.span_class), span_term(state.valid_from, now))
		.set(Qualified(state.ends_follow_up), Case().when(follow_up_done, 1).else_(0))
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
		.on((current.opportunity == opportunity.name) & current.valid_to.isnull())
		.left_join(previous)
		.on((previous.opportunity == opportunity.name) & (previous.valid_to == now))
		.select(*columns.values())
		.where(condition & current.name.isnull())
	).run()


def record_opportunity(doc, method=None):
	"""Opportunity on_change: after every save and every db_set. The same rule as record_changes, for
	one opportunity: one indexed query reads its stored values beside its current row, and only a
	change writes (the row closed by its key, the new one inserted), which keeps a save's cost low."""
	found = frappe.db.sql(_current_state_query(frappe.db.db_type), {"name": doc.name}, as_dict=True)
	if not found:
		return
	stored = found[0]
	new = {field: stored[f"new_{field}"] for field in TRACKED_FIELDS}
	if stored.current is not None and all(new[field] == stored[f"old_{field}"] for field in TRACKED_FIELDS):
		return
	now = now_datetime()
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
			(now, span_class(stored.valid_from, now), ends_follow_up(previous, new, now), stored.current),
		)
	row = {
		"creation": now,
		"modified": now,
		"owner": stored.modified_by,
		"modified_by": stored.modified_by,
		"opportunity": doc.name,
		**new,
		"valid_from": now,
		"origin": RECORDED,
		"changed_by": stored.modified_by,
		"span_class": CURRENT_SPAN,
		**next_stage_fields(previous, new, now),
		"contact_since": next_contact_since(previous, new, now),
	}
	columns = ", ".join(f"`{column}`" for column in row)
	marks = ", ".join(["%s"] * len(row))
	frappe.db.sql(
		f"insert into `tab{STATE}` (`name`, {columns}) values ({NextName(STATE).get_sql()}, {marks})",
		tuple(row.values()),
	)


@functools.cache
def _current_state_query(db_type: str) -> str:
	"""An opportunity's tracked values as stored (new_*) beside its current row (old_*), by name; built
	once per database type (frappe.qb writes each one's SQL), as every save runs it."""
	opportunity = frappe.qb.DocType("Opportunity")
	current = frappe.qb.DocType(STATE).as_("current_state")
	terms = tracked_terms(opportunity)
	return (
		frappe.qb.from_(opportunity)
		.left_join(current)
		.on((current.opportunity == opportunity.name) & current.valid_to.isnull())
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
