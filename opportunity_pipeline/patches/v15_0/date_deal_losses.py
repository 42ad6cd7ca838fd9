"""Sites that had the app and Frappe CRM before deals kept their loss date: every lost deal dated from
Frappe CRM's status change log, as the Lost Opportunity Analysis read it until then."""

from frappe.modules.utils import sync_customizations

from opportunity_pipeline import frappe_crm


def execute():
	if frappe_crm.installed():
		sync_customizations("opportunity_pipeline")  # post_model_sync patches run before Frappe syncs them
		frappe_crm.date_deal_losses()
