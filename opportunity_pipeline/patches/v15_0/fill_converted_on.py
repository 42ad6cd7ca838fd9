import frappe
from frappe.modules.utils import sync_customizations

from opportunity_pipeline.patches.status_history import when_status_became


def execute():
	"""Opportunities converted before the app dated wins: the Version that set the status to Converted,
	or else the last modification (ERPNext converts with db_set, which leaves no Version)."""
	sync_customizations("opportunity_pipeline")  # post_model_sync patches run before Frappe syncs them
	converted = frappe.get_all(
		"Opportunity",
		filters={"status": "Converted", "converted_on": ("is", "not set")},
		fields=["name", "creation", "modified"],
	)
	if not converted:
		return
	wins = when_status_became({row.name: row.creation for row in converted}, "Converted")
	for row in converted:
		when = wins.get(row.name, (row.modified, None))[0]
		frappe.db.set_value("Opportunity", row.name, "converted_on", when, update_modified=False)
