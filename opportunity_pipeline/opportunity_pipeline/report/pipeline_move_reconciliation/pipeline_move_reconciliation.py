"""The pipeline before and after the move to Frappe CRM, per deal status and month the opportunity was
made: how many opportunities and what amount (in company currency) each deal status should hold, beside
what the deals the move made hold. A row with differences shows what did not move, or moved otherwise."""

from pypika.enums import DatePart

import frappe
from frappe import _
from frappe.query_builder.functions import Count, Extract, Sum

from opportunity_pipeline.crm_move.dry_run import RECORD, require_reading_every_record
from opportunity_pipeline.crm_move.rules import reconcile
from opportunity_pipeline.crm_move.settings import (
	OPPORTUNITY_STATUSES,
	require_frappe_crm,
	usable_status_map,
)
from opportunity_pipeline.pipeline_document import CRM_DEAL, OPPORTUNITY, PipelineDocument
from opportunity_pipeline.reporting.query import amount_in_company_currency


def execute(filters=None):
	frappe.has_permission(RECORD, "read", throw=True)
	require_frappe_crm()
	require_reading_every_record()
	usable = usable_status_map()
	statuses = {status: usable.get(status) for status in OPPORTUNITY_STATUSES}  # None: does not move
	rows = reconcile(opportunity_totals(), deal_totals(), statuses)
	for row in rows:
		row["statuses"] = ", ".join(_(status) for status in row["statuses"])
	return columns(), rows


def opportunity_totals() -> dict:
	"""(opportunity status, month) -> (count, amount) of every opportunity."""
	return _totals(frappe.qb.DocType(OPPORTUNITY.doctype), OPPORTUNITY)


def deal_totals() -> dict:
	"""(deal status, month) -> (count, amount) of the deals the move made; a deal is dated as its
	opportunity, whose creation it keeps."""
	deal, record = frappe.qb.DocType(CRM_DEAL.doctype), frappe.qb.DocType(RECORD)
	return _totals(
		deal,
		CRM_DEAL,
		lambda query: query.join(record).on(
			(record.target_doctype == CRM_DEAL.doctype)
			& (record.target_name == deal.name)
			& (record.source_doctype == OPPORTUNITY.doctype)
		),
	)


def _totals(table, document: PipelineDocument, joined=None) -> dict:
	year, month = Extract(DatePart.year, table.creation), Extract(DatePart.month, table.creation)
	query = frappe.qb.from_(table)
	if joined:
		query = joined(query)
	rows = (
		query.select(
			table[document.status_field],
			year,
			month,
			Count("*"),
			Sum(amount_in_company_currency(table, document)),
		)
		.groupby(table[document.status_field], year, month)
		.run()
	)
	return {
		(status, f"{int(y):04d}-{int(m):02d}"): (count, float(amount or 0))
		for status, y, m, count, amount in rows
	}


def columns() -> list[dict]:
	return [
		{"fieldname": "month", "label": _("Month"), "fieldtype": "Data", "width": 90},
		{
			"fieldname": "deal_status",
			"label": _("CRM Deal Status"),
			"fieldtype": "Link",
			"options": CRM_DEAL.statuses.doctype,
			"width": 160,
		},
		{"fieldname": "statuses", "label": _("Opportunity Statuses"), "fieldtype": "Data", "width": 180},
		{"fieldname": "count_before", "label": _("Opportunities"), "fieldtype": "Int", "width": 120},
		{"fieldname": "count_after", "label": _("Deals"), "fieldtype": "Int", "width": 100},
		{"fieldname": "count_difference", "label": _("Count Difference"), "fieldtype": "Int", "width": 140},
		{
			"fieldname": "amount_before",
			"label": _("Opportunity Amount"),
			"fieldtype": "Currency",
			"width": 150,
		},
		{"fieldname": "amount_after", "label": _("Deal Amount"), "fieldtype": "Currency", "width": 130},
		{
			"fieldname": "amount_difference",
			"label": _("Amount Difference"),
			"fieldtype": "Currency",
			"width": 150,
		},
	]
