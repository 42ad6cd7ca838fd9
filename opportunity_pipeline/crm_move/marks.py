"""Each of ERPNext's records the move made a deal of says so where a user compares them: the Opportunity
form names its deal (Pipeline Move Record keeps the link; the opportunity itself is not changed)."""

import frappe

from opportunity_pipeline.crm_move.dry_run import RECORD
from opportunity_pipeline.pipeline_document import CRM_DEAL


def show_moved_deal(doc):
	"""Opportunity onload: the deal it moved to, for a user who may read that deal."""
	deal = frappe.db.get_value(
		RECORD,
		{"source_doctype": doc.doctype, "source_name": doc.name, "target_doctype": CRM_DEAL.doctype},
		"target_name",
	)
	if (
		deal
		and frappe.db.exists(CRM_DEAL.doctype, deal)
		and frappe.has_permission(CRM_DEAL.doctype, "read", deal)
	):
		doc.set_onload("moved_to_deal", deal)
