"""The auto-close settings in Selling Settings, and the hand-over from ERPNext's own job."""

import frappe
from frappe import _
from frappe.custom.doctype.custom_field.custom_field import create_custom_field

from opportunity_pipeline.auto_close.rules import (
	CLOSABLE_STATUSES,
	STATUS_FIELDS,
	STOCK_JOB,
	SettingsProblem,
	carried_over,
	settings_problem,
	settings_tab_after,
)


def closing_days() -> int:
	return frappe.db.get_single_value("Selling Settings", "close_opportunity_after_days") or 0


def closing_statuses() -> list[str]:
	values = frappe.db.get_single_value
	return [status for status in CLOSABLE_STATUSES if values("Selling Settings", STATUS_FIELDS[status])]


def save_defaults(fieldnames, doctype: str = "Selling Settings"):
	"""Install and migrate: each of these settings never saved gets its default, so the form and the app
	read what the field says (Frappe does not store a new field's default in a Single)."""
	meta = frappe.get_meta(doctype)
	for fieldname in fieldnames:
		field = meta.get_field(fieldname)
		if field and field.default is not None and not is_saved(fieldname, doctype):
			frappe.db.set_single_value(doctype, fieldname, field.default)


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


# Whether ERPNext's job was stopped before the app stopped it, so that uninstall puts that back.
STOCK_JOB_WAS_STOPPED = "opportunity_pipeline_stock_auto_close_was_stopped"


def take_over_from_erpnext():
	"""On install: the app closes what ERPNext's own job closed (Replied, after CRM Settings' days, or
	nothing when that job was stopped), and that job stops so the two never disagree. Open and Quotation
	are closed only once a manager ticks them."""
	stopped = _stock_job_stopped()
	if not is_saved("close_opportunity_after_days"):
		days, statuses = carried_over(
			bool(stopped), frappe.db.get_single_value("CRM Settings", "close_opportunity_after_days")
		)
		frappe.db.set_single_value("Selling Settings", "close_opportunity_after_days", days)
		for status, fieldname in STATUS_FIELDS.items():
			frappe.db.set_single_value("Selling Settings", fieldname, int(status in statuses))
	if frappe.db.get_default(STOCK_JOB_WAS_STOPPED) is None and stopped is not None:
		frappe.db.set_default(STOCK_JOB_WAS_STOPPED, str(stopped))
	_stop_stock_job(True)


def hand_back_to_erpnext():
	"""On uninstall: ERPNext's job as it was before install (running, for sites that installed the app
	before that was recorded)."""
	was_stopped = frappe.db.get_default(STOCK_JOB_WAS_STOPPED)
	_stop_stock_job(bool(int(was_stopped or 0)))
	frappe.defaults.clear_default(key=STOCK_JOB_WAS_STOPPED, parent="__default")


def _stock_job_stopped() -> int | None:
	"""ERPNext's job's stopped flag, None when the site has no such job."""
	return frappe.db.get_value("Scheduled Job Type", {"method": STOCK_JOB}, "stopped")


def is_saved(fieldname: str, doctype: str = "Selling Settings") -> bool:
	"""get_single_value answers 0 for a value never saved; the Singles row tells them apart."""
	singles = frappe.qb.DocType("Singles")
	return bool(
		frappe.qb.from_(singles)
		.select(singles.field)
		.where((singles.doctype == doctype) & (singles.field == fieldname))
		.run()
	)


def _stop_stock_job(stopped: bool):
	if job := frappe.db.exists("Scheduled Job Type", {"method": STOCK_JOB}):
		frappe.db.set_value("Scheduled Job Type", job, "stopped", int(stopped))


SETTINGS_TAB = "opportunities_tab"
SETTINGS_SECTION = "opportunities_section"


def give_settings_their_tab():
	"""Install and migrate. Frappe 16's Selling Settings is laid out in tabs: without a tab of its own, the
	app's section would land inside the tab of the field it follows (Transaction). Frappe 15's has no tabs
	and gets none. The tab follows the last standard field, and the section moves into it."""
	meta = frappe.get_meta("Selling Settings")
	standard = [(df.fieldname, df.fieldtype) for df in meta.fields if not df.get("is_custom_field")]
	if not (after := settings_tab_after(standard)):
		return

	section = f"Selling Settings-{SETTINGS_SECTION}"
	if (
		meta.get_field(SETTINGS_TAB)
		and frappe.db.get_value("Custom Field", section, "insert_after") == SETTINGS_TAB
	):
		return
	create_custom_field(
		"Selling Settings",
		{
			"fieldname": SETTINGS_TAB,
			"label": "Opportunities",
			"fieldtype": "Tab Break",
			"insert_after": after,
			"module": "Opportunity Pipeline",
		},
	)
	frappe.db.set_value(
		"Custom Field",
		section,
		"insert_after",
		SETTINGS_TAB,
		update_modified=False,
	)
	frappe.clear_cache(doctype="Selling Settings")
