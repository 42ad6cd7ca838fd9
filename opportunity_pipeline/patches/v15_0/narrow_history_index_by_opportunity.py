"""The history's index by opportunity was first built covering what Pipeline Movement read per
opportunity; Movement no longer reads it that way, and every save writes it, so it holds its keys only."""

import frappe

from opportunity_pipeline.opportunity_pipeline.doctype.opportunity_pipeline_state.opportunity_pipeline_state import (
	BY_OPPORTUNITY,
	on_doctype_update,
)
from opportunity_pipeline.pipeline_history.backfill import drop_index
from opportunity_pipeline.pipeline_history.record import STATE


def execute():
	name, columns = BY_OPPORTUNITY
	indexed = frappe.db.sql(f"show index from `tab{STATE}` where Key_name = %s", name, as_dict=True)
	if indexed and [row.Column_name for row in indexed] != columns:
		drop_index(name)
	on_doctype_update()
