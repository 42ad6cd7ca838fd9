"""The pipeline history keeps Frappe CRM's deals beside the opportunities from this version on: the rows
written before are an opportunity's (the new column's default says so; set here where a database left it
empty), and every deal gets its current row where Frappe CRM is installed."""

import frappe

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.pipeline_history.record import STATE


def execute():
	state = frappe.qb.DocType(STATE)
	frappe.qb.update(state).set(state.document_type, "Opportunity").where(
		state.document_type.isnull() | (state.document_type == "")
	).run()
	frappe_crm.start_deal_history()
