"""The pipeline as it stood at a moment, read from the history.

An as-of query reads, per lifetime class, only the rows that can be in effect (rules.span_windows): on a
long history that is a few times the answer, not every row that began before the moment. Permissions are
the list's: a user whom something restricts on the document type gets the history of the documents they
may read now (a deleted one is no longer anyone's to read); a user whom nothing restricts gets every row,
deleted documents included. Frappe CRM's deals are read as the opportunities are, from their own rows.
"""

from datetime import datetime, time

import frappe
from frappe import _
from frappe.query_builder.functions import Count, Sum
from frappe.utils import add_days, now_datetime

from opportunity_pipeline.document_types import base_currency, chosen
from opportunity_pipeline.permissions import join_readable, readable_condition
from opportunity_pipeline.pipeline_document import OPPORTUNITY, PipelineDocument, StatusTypes
from opportunity_pipeline.pipeline_history.record import STATE, open_values
from opportunity_pipeline.pipeline_history.rules import CURRENT_SPAN, span_windows
from opportunity_pipeline.validation import company_for_user, date_value

# What a pipeline can be grouped by: the tracked values that name someone or something.
GROUP_FIELDS = (
	"status",
	"sales_stage",
	"opportunity_owner",
	"contact_by",
	"territory",
	"opportunity_type",
	"source",
)
STATE_FIELDS = (
	"opportunity",
	"deleted",
	"status",
	"sales_stage",
	"amount",
	"probability",
	"expected_closing",
	"opportunity_owner",
	"contact_by",
	"territory",
	"opportunity_type",
	"source",
)


def end_of(day) -> datetime:
	"""The moment a day ends: the start of the next."""
	return datetime.combine(add_days(day, 1), time.min)


def in_effect(state, moment):
	"""Rows in effect just before `moment`, bounded per lifetime class so an index range can find them.
	From now on that is the current rows: no row ends in the future, and the older classes' windows would
	only add rows that ended before it."""
	if moment >= now_datetime():
		return (state.span_class == CURRENT_SPAN) & state.valid_to.isnull()
	bounded = None
	for span, earliest in span_windows(moment):
		window = state.span_class == span
		if earliest is not None:
			window &= state.valid_from >= earliest
		bounded = window if bounded is None else bounded | window
	return bounded & (state.valid_from < moment) & (state.valid_to.isnull() | (state.valid_to >= moment))


def every_status(document: PipelineDocument = OPPORTUNITY) -> list[str]:
	"""The statuses a document of the type can have: on Opportunity the app's groups and the status
	field's options; on a type whose statuses are a DocType of their own, its every status."""
	if isinstance(document.statuses, StatusTypes):
		return frappe.get_all(document.statuses.doctype, pluck="name")
	meta = frappe.get_meta(document.doctype)
	options = (meta.get_field(document.status_field).options or "").split("\n")
	groups = document.status_groups
	return list(dict.fromkeys((*groups.open, *groups.finished, *filter(None, options))))


def open_states(moment, company, document: PipelineDocument = OPPORTUNITY):
	"""The open rows in effect at `moment` for the company (a document type without one: its rows, of
	NO_COMPANY), before permissions (join_readable)."""
	state = frappe.qb.DocType(STATE)
	condition = (
		(state.company == document.scope(company))
		& in_effect(state, moment)
		& state.status.isin(open_values(document))
	)
	return frappe.qb.from_(state).where(condition)


def states_query(moment, company, readable, document: PipelineDocument = OPPORTUNITY):
	"""The open rows in effect at `moment` for the company, of the documents `readable` lets through."""
	state = frappe.qb.DocType(STATE)
	return join_readable(open_states(moment, company, document), state, readable, document.doctype)


@frappe.whitelist()
def pipeline_as_of(date, company=None, group_by=None, document_type=None) -> dict:
	"""The open pipeline as it stood at the end of `date`, in the company's currency, over the documents
	the user may read: {"count", "amount", "weighted_amount", "groups"}. `document_type`: Opportunity (the
	default; its open statuses Open, Replied, Quotation, for the company) or CRM Deal where Frappe CRM is
	installed (its statuses of an open type; deals have no company: their currency is FCRM Settings')."""
	day = date_value(date, _("Date"))
	document = chosen(document_type)
	if document.company_field:
		company_for_user(company)
	else:
		company = None
	if group_by not in (None, "", *GROUP_FIELDS):
		frappe.throw(_("Group By must be one of {0}.").format(", ".join(GROUP_FIELDS)))
	readable = readable_condition(document.doctype)
	state = frappe.qb.DocType(STATE)
	weighted = state.amount * state.probability / 100
	totals = [Count(state.name).as_("count"), Sum(state.amount).as_("amount"), Sum(weighted).as_("weighted")]
	query = states_query(end_of(day), company, readable, document)
	if group_by:
		query = query.select(state[group_by].as_("key"), *totals).groupby(state[group_by])
	else:
		query = query.select(*totals)
	groups = [
		{
			"key": row.get("key"),
			"count": row["count"],
			"amount": float(row.amount or 0),
			"weighted_amount": float(row.weighted or 0),
		}
		for row in query.run(as_dict=True)
		if row["count"]
	]
	return {
		"date": str(day),
		"document_type": document.doctype,
		"company": company,
		"currency": base_currency(document, company),
		"count": sum(group["count"] for group in groups),
		"amount": sum(group["amount"] for group in groups),
		"weighted_amount": sum(group["weighted_amount"] for group in groups),
		"groups": sorted(groups, key=lambda group: -group["amount"]) if group_by else [],
	}
