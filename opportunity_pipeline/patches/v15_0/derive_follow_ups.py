"""Follow-up Discipline reads, on each history row, since when its Next Contact Date was the next step
(contact_since) and whether the row ended a follow-up that had come due (ends_follow_up), through an
index, rather than looking for each follow-up's next row. The rows written before get both here, by the
same rules as a save (pipeline_history.rules), and the index takes its new columns."""

import frappe

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
	previous = None
	for row in rows:
		same = previous is not None and (previous.opportunity, previous.deleted) == (
			row.opportunity,
			row.deleted,
		)
		row.contact_since = next_contact_since(previous if same else None, row, row.valid_from)
		if same and ends_follow_up(previous, row, row.valid_from):
			frappe.db.set_value(STATE, previous.name, "ends_follow_up", 1, update_modified=False)
		if row.contact_since is not None:
			frappe.db.set_value(STATE, row.name, "contact_since", row.contact_since, update_modified=False)
		previous = row
