"""The auto-close settings in Selling Settings, and the hand-over from ERPNext's own job."""

import frappe
from frappe import _

from opportunity_pipeline.pipeline.auto_close import (
	CLOSABLE_STATUSES,
	DEFAULT_STATUSES,
	SettingsProblem,
	settings_problem,
)

STOCK_JOB = "erpnext.crm.doctype.opportunity.opportunity.auto_close_opportunity"
STATUS_FIELDS = {
	"Open": "auto_close_open",
	"Replied": "auto_close_replied",
	"Quotation": "auto_close_quotation",
}


def closing_days() -> int:
	return frappe.db.get_single_value("Selling Settings", "close_opportunity_after_days") or 0


def closing_statuses() -> list[str]:
	values = frappe.db.get_single_value
	return [status for status in CLOSABLE_STATUSES if values("Selling Settings", STATUS_FIELDS[status])]


def validate(settings, method=None):
	"""Selling Settings validate."""
	statuses = [status for status in CLOSABLE_STATUSES if settings.get(STATUS_FIELDS[status])]
	problem = settings_problem(settings.get("close_opportunity_after_days"), statuses)
	if problem == SettingsProblem.NEGATIVE_DAYS:
		frappe.throw(_("Close Opportunities With No Response After (Days) cannot be negative."))
	if problem == SettingsProblem.NO_STATUS:
		frappe.throw(
			_("Choose at least one status of opportunities to close, or set the number of days to 0.")
		)


def take_over_from_erpnext():
	"""On install: the days come from CRM Settings, and ERPNext's own job stops so the two never disagree."""
	if not _is_set("close_opportunity_after_days"):
		days = frappe.db.get_single_value("CRM Settings", "close_opportunity_after_days") or 0
		frappe.db.set_single_value("Selling Settings", "close_opportunity_after_days", days)
		for status, fieldname in STATUS_FIELDS.items():
			frappe.db.set_single_value("Selling Settings", fieldname, int(status in DEFAULT_STATUSES))
	_stop_stock_job(True)


def hand_back_to_erpnext():
	_stop_stock_job(False)


def _is_set(fieldname: str) -> bool:
	"""get_single_value answers 0 for a value never saved; the Singles row tells them apart."""
	singles = frappe.qb.DocType("Singles")
	return bool(
		frappe.qb.from_(singles)
		.select(singles.field)
		.where((singles.doctype == "Selling Settings") & (singles.field == fieldname))
		.run()
	)


def _stop_stock_job(stopped: bool):
	if job := frappe.db.exists("Scheduled Job Type", {"method": STOCK_JOB}):
		frappe.db.set_value("Scheduled Job Type", job, "stopped", int(stopped))
