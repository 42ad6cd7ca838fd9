"""Follow-up Discipline reads, on each history row, since when its Next Contact Date was the next step
(contact_since) and whether the row ended a follow-up that had come due (ends_follow_up), through an
index, rather than looking for each follow-up's next row. The rows written before get both here, by the
same rules as a save (pipeline_history.rules), two UPDATEs per batch of opportunities, and the index takes
its new columns."""

import frappe
from frappe.query_builder import Case

from opportunity_pipeline.opportunity_pipeline.doctype.opportunity_pipeline_state.opportunity_pipeline_state import (
	BY_CONTACT_DATE,
	on_doctype_update,
)
from opportunity_pipeline.pipeline_history.backfill import drop_index
from opportunity_pipeline.pipeline_history.record import STATE
from opportunity_pipeline.pipeline_history.rules import ends_follow_up, next_contact_since

BATCH_SIZE = 2_000


def execute():
	name, columns = BY_CONTACT_DATE
	indexed = frappe.db.sql(f"show index from `tab{STATE}` where Key_name = %s", name, as_dict=True)
	if indexed and [row.Column_name for row in indexed] != columns:
		drop_index(name)
	state = frappe.qb.DocType(STATE)
	followed = (
		frappe.qb.from_(state)
		.select(state.opportunity)
		.distinct()
		.where(state.contact_date.isnotnull())
		.orderby(state.opportunity)
		.run(pluck=True)
	)
	for start in range(0, len(followed), BATCH_SIZE):
		_derive(followed[start : start + BATCH_SIZE])
	on_doctype_update()


def _derive(opportunities: list):
	state = frappe.qb.DocType(STATE)
	rows = (
		frappe.qb.from_(state)
		.select(
			state.name, state.opportunity, state.deleted, state.valid_from, state.status, state.contact_date
		)
		.where(state.opportunity.isin(opportunities))
		.orderby(state.opportunity)
		.orderby(state.deleted)
		.orderby(state.valid_from)
		.run(as_dict=True)
	)
	since, ended, previous = {}, set(), None
	for row in rows:
		same = previous is not None and previous.opportunity == row.opportunity
		same = same and previous.deleted == row.deleted
		row.contact_since = next_contact_since(previous if same else None, row, row.valid_from)
		if same and ends_follow_up(previous, row, row.valid_from):
			ended.add(previous.name)
		if row.contact_since is not None:
			since[row.name] = row.contact_since
		previous = row
	if since:
		values = Case()
		for name, moment in since.items():
			values = values.when(state.name == name, moment)
		frappe.qb.update(state).set(state.contact_since, values).where(state.name.isin(list(since))).run()
	if ended:
		frappe.qb.update(state).set(state.ends_follow_up, 1).where(state.name.isin(list(ended))).run()
