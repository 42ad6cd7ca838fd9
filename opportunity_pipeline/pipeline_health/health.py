"""The opportunities (and Frappe CRM's deals) behind a digest, section by section (rules.SECTIONS): each
section is one query that reads only its own rows through an index (follow-ups by date, the Stalled flag),
so its cost follows what is due, not the size of the table. Who each item reaches is
rules.responsible_users. The document type's declaration (pipeline_document.py) says which fields hold
its owner, status and Stalled flag; the follow-up fields are the app's own on both."""

from datetime import datetime, time, timedelta

import frappe
from frappe import _
from frappe.query_builder.functions import Coalesce, Count
from frappe.utils import add_to_date, cint, getdate, now_datetime

from opportunity_pipeline import document_types
from opportunity_pipeline.document_types import chosen, open_statuses
from opportunity_pipeline.permissions import may_list, readable_condition
from opportunity_pipeline.pipeline_document import OPPORTUNITY, PipelineDocument
from opportunity_pipeline.pipeline_health.rules import (
	DUE_TODAY,
	NO_NEXT_STEP,
	OVERDUE,
	STALLED,
	responsible_users,
)
from opportunity_pipeline.sql import bounded_count
from opportunity_pipeline.validation import company_for_user, existing, whole_number

# api.pipeline_health lists at most this many names per section, and counts up to COUNT_LIMIT.
MAX_NAMES = 500
COUNT_LIMIT = 10_000


def section_conditions(now: datetime, document: PipelineDocument = OPPORTUNITY) -> dict:
	"""section -> condition on the document type (beside being open): rules.follow_up_section, with
	rules.counts_against_owner for a missing next step, and a Stalled flag kept by stalled.py (deals.py)."""
	table = frappe.qb.DocType(document.doctype)
	start = datetime.combine(getdate(now), time.min)
	grace = cint(frappe.db.get_single_value("Selling Settings", "no_next_step_after_days"))
	return {
		DUE_TODAY: (table.contact_date >= start) & (table.contact_date < start + timedelta(days=1)),
		OVERDUE: table.contact_date < start,
		STALLED: table[document.stalled_field] == 1,
		NO_NEXT_STEP: table.contact_date.isnull() & (table.creation < add_to_date(now, days=-grace)),
	}


def responsible_condition(user: str, document: PipelineDocument = OPPORTUNITY):
	"""rules.responsible_users in SQL: the open documents whose items reach `user`."""
	table = frappe.qb.DocType(document.doctype)
	owner = table[document.owner_field]
	unnamed = (Coalesce(owner, "") == "") & (Coalesce(table.contact_by, "") == "")
	# _assign holds the assignees as a JSON list of user names, as Frappe's own "Assigned To" filter reads it.
	assigned = table._assign.like(f'%"{_escape_like(user)}"%')
	return (owner == user) | (table.contact_by == user) | (unnamed & ((table.owner == user) | assigned))


def _escape_like(text: str) -> str:
	return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def section_query(
	section_condition, company=None, readable=None, user=None, document: PipelineDocument = OPPORTUNITY
):
	"""The open documents of a section (its condition from section_conditions), on the unaliased table;
	`user` narrows to those whose items reach them, `company` where the type has one."""
	table = frappe.qb.DocType(document.doctype)
	condition = table[document.status_field].isin(open_statuses(document) or [""]) & section_condition
	if company and document.company_field:
		condition &= table[document.company_field] == company
	if user:
		condition &= responsible_condition(user, document)
	if readable is not None:
		condition &= readable
	return frappe.qb.from_(table).where(condition)


def health_rows(section_condition, document: PipelineDocument = OPPORTUNITY) -> list:
	"""(name, users its item reaches) of the open documents in a section. The section's index gives the
	named owner and Next Contact By; only the documents with neither are read for their creator and
	assignees."""
	table = frappe.qb.DocType(document.doctype)
	rows = (
		section_query(section_condition, document=document)
		.select(table.name, table[document.owner_field], table.contact_by)
		.orderby(table.name)
		.run()
	)
	unnamed = [name for name, owner, contact_by in rows if not owner and not contact_by]
	creators = {}
	for start in range(0, len(unnamed), 1000):
		for name, creator, assign in (
			frappe.qb.from_(table)
			.select(table.name, table.owner, table._assign)
			.where(table.name.isin(unnamed[start : start + 1000]))
			.run()
		):
			creators[name] = (creator, frappe.parse_json(assign) or [] if assign else [])
	return [
		(name, responsible_users(owner, contact_by, *creators.get(name, (None, []))))
		for name, owner, contact_by in rows
	]


@frappe.whitelist()
def pipeline_health(company=None, user=None, limit=100, document_type=None) -> dict:
	"""The open opportunities of `company` (or, with `document_type` "CRM Deal", Frappe CRM's open deals,
	which have no company) the caller may read, per section of the digest: {"due_today", "overdue",
	"stalled", "no_next_step"}, each up to `limit` names (at most MAX_NAMES), sorted, and "counts" (up to
	COUNT_LIMIT; "more" says which sections hold more). `user` narrows to those whose items reach that
	user (rules.responsible_users)."""
	document = chosen(document_type)
	if document.company_field:
		company_for_user(company)
	if user:
		existing("User", user, _("User"))
	limit = whole_number(limit, _("Limit"), 1, MAX_NAMES)
	readable = readable_condition(document.doctype)
	table = frappe.qb.DocType(document.doctype)
	names, counts, more = {}, {}, {}
	for section, condition in section_conditions(now_datetime(), document).items():
		query = section_query(condition, company, readable, user, document)
		# Not ordered in SQL: ORDER BY name would read the table in name order rather than the section's index.
		names[section] = sorted(query.select(table.name).limit(limit).run(pluck=True))
		if len(names[section]) < limit:
			counts[section], more[section] = len(names[section]), False
		else:
			counts[section], more[section] = bounded_count(query, table.name, COUNT_LIMIT)
	return {**names, "counts": counts, "more": more}


@frappe.whitelist()
def my_overdue_follow_ups_card(filters=None) -> dict:
	"""Number card: the current user's overdue follow-ups, by the digest's rule (rules.responsible_users),
	over the opportunities, and Frappe CRM's deals where it is installed, they may read: a type they may
	not read counts none."""
	now, user, total = now_datetime(), frappe.session.user, 0
	documents = [document for document in document_types.available() if may_list(document.doctype)]
	if not documents:
		readable_condition(OPPORTUNITY.doctype)  # refuses a user who may read neither, as get_list would
	for document in documents:
		overdue = section_conditions(now, document)[OVERDUE]
		query = section_query(
			overdue, readable=readable_condition(document.doctype), user=user, document=document
		)
		total += query.select(Count("*")).run()[0][0]
	return {"value": total, "fieldtype": "Int"}
