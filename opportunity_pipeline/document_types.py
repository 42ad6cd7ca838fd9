"""The pipeline declarations (pipeline_document.py) as this site has them: the document types it runs
(Frappe CRM's deals only where Frappe CRM is installed), their statuses by group, stages and currency."""

from dataclasses import fields
from datetime import datetime, timedelta

from pypika.terms import Interval

import frappe
from frappe import _
from frappe.utils import now_datetime

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.pipeline_document import (
	CRM_DEAL,
	OPPORTUNITY,
	PIPELINE_DOCUMENTS,
	PipelineDocument,
	StatusGroups,
	StatusTypes,
)


def available() -> list[PipelineDocument]:
	return [OPPORTUNITY, *([CRM_DEAL] if frappe_crm.installed() else [])]


def chosen(doctype: str | None) -> PipelineDocument:
	"""A report's Document Type filter: Opportunity when empty; refused when the site does not run it."""
	doctype = doctype or OPPORTUNITY.doctype
	for document in available():
		if document.doctype == doctype:
			return document
	frappe.throw(_("{0} is not a pipeline document type on this site.").format(frappe.bold(doctype)))


def statuses_in(document: PipelineDocument, kinds) -> list[str]:
	"""The status values of these kinds: the fixed values themselves, or the statuses of the status
	DocType whose type is one of them (on CRM Deal, a site's own statuses included)."""
	if isinstance(document.statuses, StatusTypes):
		return frappe.get_all(
			document.statuses.doctype, {document.statuses.type_field: ("in", list(kinds))}, pluck="name"
		)
	return list(kinds)


def open_statuses(document: PipelineDocument) -> list[str]:
	return statuses_in(document, document.status_groups.open)


def status_values(document: PipelineDocument) -> StatusGroups:
	"""The type's status values by group, as its documents and history rows hold them: its fixed groups,
	or its status DocType's statuses of each group's types (a site's own CRM Deal Statuses included)."""
	if not isinstance(document.statuses, StatusTypes):
		return document.statuses
	types = document.statuses
	of_type = {}  # one read of the site's statuses, grouped here
	for status in frappe.get_all(types.doctype, fields=["name", types.type_field]):
		of_type.setdefault(status[types.type_field], []).append(status.name)
	return StatusGroups(
		**{
			group.name: tuple(
				name for kind in getattr(types.groups, group.name) for name in of_type.get(kind, [])
			)
			for group in fields(StatusGroups)
		}
	)


def status_type(document: PipelineDocument, status: str | None) -> str | None:
	"""The group kind a status says it is of: the fixed value itself, or its status DocType's type (read
	through Frappe's document cache, which a change to the status clears); None for no such status."""
	if not status or not isinstance(document.statuses, StatusTypes):
		return status
	return frappe.get_cached_value(document.statuses.doctype, status, document.statuses.type_field)


def is_finished(doctype: str, status: str | None) -> bool:
	"""Left the pipeline (won, lost, closed)."""
	document = PIPELINE_DOCUMENTS[doctype]
	return status_type(document, status) in document.status_groups.finished


def party_of(doc) -> str | None:
	"""Who the document is with, as its declaration says to read it."""
	document = PIPELINE_DOCUMENTS[doc.doctype]
	return next((doc.get(field) for field in document.party_fields if doc.get(field)), None)


def named_with_party(doc) -> str:
	"""The document as a follow-up names it to a person: "party (name)", or its name alone where it has
	no party yet (a deal before its organization is set)."""
	party = party_of(doc)
	return f"{party} ({doc.name})" if party else doc.name


def ordered_stages(document: PipelineDocument) -> list[str]:
	return frappe.get_all(
		document.stage.doctype, order_by=f"{document.stage_order_field} asc, name asc", pluck="name"
	)


def base_currency(document: PipelineDocument, company: str) -> str:
	"""The currency of amount x rate: the company's, or where the document has no company, its setting's."""
	if document.company_field is None and document.currency_setting:
		if currency := frappe.db.get_single_value(*document.currency_setting):
			return currency
	return frappe.get_cached_value("Company", company, "default_currency") if company else None


def boot_info() -> list[dict]:
	"""What the desk's report filters need of each document type the site runs: what each filter links
	to there (None where the type has no such field), its groups, and whether it keeps a stalled flag."""
	return [
		{
			"doctype": document.doctype,
			"filter_links": _filter_links(document),
			"groups": list(document.groups),
			"keeps_stalled": bool(document.stalled_field),
		}
		for document in available()
	]


def _filter_links(document: PipelineDocument) -> dict:
	meta = frappe.get_meta(document.doctype)
	source = meta.get_field(document.field_on_this_version(document.source.fieldname, meta.has_field))
	groups = document.groups
	return {
		"territory": document.territory.doctype,
		"source": source.options if source else None,
		"sales_stage": document.stage.doctype if "Sales Stage" in groups else None,
		"opportunity_type": "Opportunity Type" if "Opportunity Type" in groups else None,
		"opportunity_owner": "User" if "Opportunity Owner" in groups else None,
		"converted_by": "User" if "Converted By" in groups else None,
	}


def status_log_rows(document: PipelineDocument, log):
	"""The condition on the status log's table (`log`, aliased or not) for the rows of the document type's
	log (its declaration's status_log: the child DocType and its table field)."""
	return (log.parenttype == document.doctype) & (log.parentfield == document.status_log.fieldname)


def stay_is_open(log):
	"""The condition on the status log's table (`log`, aliased or not) for a stay not yet ended: Frappe
	CRM's log keeps one, the document's last row, whose `to` is empty until the next change."""
	return (log["to"] == "") | log["to"].isnull()


def status_log_clock_offset() -> timedelta:
	"""The site's clock minus the server's, to the minute. A status log (Frappe CRM's) is dated by the
	server's clock (datetime.now()); Frappe dates `modified`, and reads a report's dates, in the site's
	time zone, which may be hours apart."""
	seconds = (now_datetime() - datetime.now()).total_seconds()
	return timedelta(minutes=round(seconds / 60))


def status_log_time_on_site_clock(term):
	"""A status log's datetime column or term, on the site's clock (to compare with a report's dates)."""
	minutes = int(status_log_clock_offset().total_seconds() // 60)
	if minutes > 0:
		return term + Interval(minutes=minutes)
	if minutes < 0:
		return term - Interval(minutes=-minutes)
	return term
