"""The pipeline history tracks the Next Contact Date (for Follow-up Discipline) from this version on. The
current rows take each opportunity's date, so the next save does not record a change that did not
happen; earlier rows stay without one (not known: never invented)."""

import frappe

from opportunity_pipeline.opportunity_pipeline.doctype.opportunity_pipeline_state.opportunity_pipeline_state import (
	on_doctype_update,
)
from opportunity_pipeline.pipeline_history.record import STATE
from opportunity_pipeline.sql import Qualified


def execute():
	opportunity = frappe.qb.DocType("Opportunity")
	state = frappe.qb.DocType(STATE)
	(
		frappe.qb.update(state)
		.join(opportunity)
		.on(opportunity.name == state.opportunity)
		.set(Qualified(state.contact_date), opportunity.contact_date)
		.where(state.valid_to.isnull() & (state.deleted == 0))
	).run()
	on_doctype_update()
