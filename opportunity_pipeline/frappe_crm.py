"""Frappe CRM (frappe/crm), optional: ERPNext stays the one required app, and what the app does for Frappe
CRM's deals waits until Frappe CRM is on the site."""

import frappe
from frappe.modules.utils import sync_customizations

APP = "crm"
# Frappe CRM's DocTypes the app customizes (custom/<doctype>.json), synced only where they exist.
CUSTOMIZED_DOCTYPES = ("FCRM Settings",)


def installed() -> bool:
	return APP in frappe.get_installed_apps()


def set_up():
	"""Install and migrate of this app, where Frappe CRM is on the site."""
	from opportunity_pipeline.auto_close.deals import save_defaults

	if installed():
		save_defaults()


def after_app_install(app_name: str):
	"""Frappe CRM installed after this app: its customizations, which the app's own install skipped
	(Frappe syncs a custom/<doctype>.json only where the DocType exists), and their defaults."""
	if app_name == APP:
		sync_customizations("opportunity_pipeline")
		set_up()


def before_app_uninstall(app_name: str):
	"""Frappe CRM leaving while this app stays: the app's fields on Frappe CRM's DocTypes go with them,
	and their values, which a later install would read as a manager's choice."""
	if app_name == APP:
		delete_customizations()


def delete_customizations():
	for doctype in CUSTOMIZED_DOCTYPES:
		fields = frappe.get_all(
			"Custom Field", {"dt": doctype, "module": "Opportunity Pipeline"}, pluck="fieldname"
		)
		if fields:
			frappe.db.delete("Singles", {"doctype": doctype, "field": ("in", fields)})
		for name in frappe.get_all(
			"Custom Field", {"dt": doctype, "module": "Opportunity Pipeline"}, pluck="name"
		):
			frappe.delete_doc("Custom Field", name, force=True, ignore_permissions=True)
		frappe.clear_cache(doctype=doctype)
