import frappe
from frappe import _
from frappe.query_builder.functions import Max
from frappe.utils import now_datetime

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.auto_close import deals
from opportunity_pipeline.auto_close.job import IDLE_INDEX, close_idle_opportunities, idle_opportunities
from opportunity_pipeline.auto_close.rules import CLOSABLE_STATUSES, idle_cutoff, last_activity
from opportunity_pipeline.auto_close.settings import closing_days, closing_statuses
from opportunity_pipeline.permissions import readable_condition, readable_opportunities
from opportunity_pipeline.pipeline_document import CRM_DEAL
from opportunity_pipeline.sql import bounded_count, force_index
from opportunity_pipeline.validation import parse_list, whole_number

PREVIEW_LIMIT = 500
MAX_DAYS = 3650
# The count stops there ("10,000+"): the widest settings would otherwise read every open opportunity.
COUNT_LIMIT = 10_000


def _allow_system_managers_only():
	"""Not frappe.only_for: it lets everyone through while tests run, so its refusal could not be tested."""
	if "System Manager" not in frappe.get_roles():
		frappe.throw(_("Only a System Manager may preview or run the auto-close."), frappe.PermissionError)


@frappe.whitelist()
def preview_auto_close(limit: int = PREVIEW_LIMIT, days: int | None = None, statuses=None) -> dict:
	"""Which opportunities the auto-close would close now, under the saved settings or under `days` and
	`statuses` not saved yet (the Selling Settings form shows it before saving): System Manager only, and
	counting only the opportunities the user may read: the first `limit` by last change, and how many
	(`count`, at most COUNT_LIMIT; `more` when there are more)."""
	_allow_system_managers_only()
	limit = whole_number(limit, _("Limit"), 1, PREVIEW_LIMIT)
	days = closing_days() if days in (None, "") else whole_number(days, _("Days"), 0, MAX_DAYS)
	statuses = closing_statuses() if statuses is None else _statuses(statuses)
	if days <= 0 or not statuses:
		return {"days": days, "statuses": statuses, "count": 0, "more": False, "opportunities": []}

	cutoff, readable = idle_cutoff(now_datetime(), days), readable_opportunities()
	rows = _oldest_idle(cutoff, statuses, readable, limit)
	for row in rows:
		row.last_activity = last_activity(row.modified, row.last_communication)
	idle = force_index(idle_opportunities(cutoff, statuses), IDLE_INDEX)
	if readable is not None:
		idle = idle.where(readable)
	count, more = bounded_count(idle, frappe.qb.DocType("Opportunity").name, COUNT_LIMIT)
	return {"days": days, "statuses": statuses, "count": count, "more": more, "opportunities": rows}


def _oldest_idle(cutoff, statuses, readable, limit: int) -> list:
	"""The `limit` idle opportunities changed longest ago: an ordered read of idle_index (status,
	modified) per status, stopped at `limit`, merged here. One read over every status would walk
	Frappe's index on `modified` from the oldest change, through every closed opportunity first."""
	opportunity = frappe.qb.DocType("Opportunity")
	communication = frappe.qb.DocType("Communication")
	last_communication = (
		frappe.qb.from_(communication)
		.select(Max(communication.communication_date))
		.where(
			(communication.reference_doctype == "Opportunity")
			& (communication.reference_name == opportunity.name)
			& (communication.communication_type == "Communication")
		)
	)
	rows = []
	for status in statuses:
		idle = force_index(idle_opportunities(cutoff, [status]), IDLE_INDEX)
		if readable is not None:
			idle = idle.where(readable)
		rows += (
			idle.select(
				opportunity.name,
				opportunity.title,
				opportunity.status,
				opportunity.modified,
				last_communication.as_("last_communication"),
			)
			.orderby(opportunity.modified)
			.limit(limit)
			.run(as_dict=True)
		)
	return sorted(rows, key=lambda row: row.modified)[:limit]


def _statuses(statuses) -> list[str]:
	statuses = parse_list(statuses, _("Statuses"))
	if unknown := [status for status in statuses if status not in CLOSABLE_STATUSES]:
		frappe.throw(
			_("Statuses must be among {0}; not {1}.").format(
				", ".join(CLOSABLE_STATUSES), ", ".join(map(str, unknown))
			)
		)
	return [status for status in CLOSABLE_STATUSES if status in statuses]


@frappe.whitelist(methods=["POST"])
def run_auto_close() -> dict:
	"""Run the auto-close now, in the background with a progress bar: System Manager only."""
	_allow_system_managers_only()
	if closing_days() <= 0:
		frappe.throw(_("Auto-close is off: set the number of days in Selling Settings first."))
	job = frappe.enqueue(
		close_idle_opportunities,
		queue="long",
		publish_progress=True,
		job_id="opportunity_pipeline:auto_close",
		deduplicate=True,
		now=frappe.flags.in_test,
	)
	return {"queued": bool(job)}


@frappe.whitelist()
def preview_deal_auto_close(limit: int = PREVIEW_LIMIT, days: int | None = None, close_paused=None) -> dict:
	"""Which of Frappe CRM's deals the auto-close of deals would close now, under FCRM Settings' saved
	settings or under `days` and `close_paused` not saved yet: System Manager only, and counting only the
	deals the user may read: the first `limit` by last change, and how many (`count`, at most COUNT_LIMIT;
	`more` when there are more)."""
	_allow_system_managers_only()
	if not frappe_crm.installed():
		frappe.throw(_("Frappe CRM is not installed on this site."))
	limit = whole_number(limit, _("Limit"), 1, PREVIEW_LIMIT)
	if days in (None, ""):
		days = frappe.db.get_single_value(deals.SETTINGS, deals.DAYS_FIELD) or 0
	else:
		days = whole_number(days, _("Days"), 0, MAX_DAYS)
	if close_paused in (None, ""):
		close_paused = frappe.db.get_single_value(deals.SETTINGS, deals.PAUSED_FIELD)
	else:
		close_paused = whole_number(close_paused, _("Also Close Deals On Hold"), 0, 1)
	statuses = deals.closable_statuses(close_paused)
	if days <= 0 or not statuses:
		return {"days": days, "statuses": statuses, "count": 0, "more": False, "deals": []}

	deal = frappe.qb.DocType(CRM_DEAL.doctype)
	idle = idle_opportunities(idle_cutoff(now_datetime(), days), statuses, CRM_DEAL)
	if (readable := readable_condition(CRM_DEAL.doctype)) is not None:
		idle = idle.where(readable)
	rows = (
		idle.select(
			deal.name,
			deal[CRM_DEAL.status_field].as_("status"),
			deal.modified,
			*(deal[field] for field in CRM_DEAL.party_fields),
		)
		.orderby(deal.modified)
		.limit(limit)
		.run(as_dict=True)
	)
	count, more = bounded_count(idle, deal.name, COUNT_LIMIT)
	return {"days": days, "statuses": statuses, "count": count, "more": more, "deals": rows}
