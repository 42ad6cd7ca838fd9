import frappe
from frappe import _
from frappe.query_builder.functions import Max
from frappe.utils import now_datetime

from opportunity_pipeline.auto_close.job import close_idle_opportunities, idle_opportunities
from opportunity_pipeline.auto_close.settings import closing_days, closing_statuses
from opportunity_pipeline.pipeline.auto_close import idle_cutoff, last_activity

PREVIEW_LIMIT = 500


def _allow_system_managers_only():
	"""Not frappe.only_for: it lets everyone through while tests run, so its refusal could not be tested."""
	if "System Manager" not in frappe.get_roles():
		frappe.throw(_("Only a System Manager may preview or run the auto-close."), frappe.PermissionError)


@frappe.whitelist()
def preview_auto_close(limit: int = PREVIEW_LIMIT) -> dict:
	"""Which opportunities the auto-close would close now: System Manager only."""
	_allow_system_managers_only()
	days, statuses = closing_days(), closing_statuses()
	if days <= 0 or not statuses:
		return {"days": days, "statuses": statuses, "opportunities": []}

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
	rows = (
		idle_opportunities(idle_cutoff(now_datetime(), days), statuses)
		.select(
			opportunity.name,
			opportunity.title,
			opportunity.status,
			opportunity.modified,
			last_communication.as_("last_communication"),
		)
		.orderby(opportunity.modified)
		.limit(min(int(limit), PREVIEW_LIMIT))
		.run(as_dict=True)
	)
	for row in rows:
		row.last_activity = last_activity(row.modified, row.last_communication)
	return {"days": days, "statuses": statuses, "opportunities": rows}


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
