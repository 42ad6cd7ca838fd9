import frappe
from frappe.modules.utils import sync_customizations

from opportunity_pipeline.patches.status_history import when_status_became


def execute():
	"""Opportunities lost before the app recorded when: the date and user of the Version that set the
	status to Lost, or else the last modification."""
	sync_customizations("opportunity_pipeline")  # post_model_sync patches run before Frappe syncs them
	lost = frappe.get_all(
		"Opportunity",
		filters={"status": "Lost", "lost_date": ("is", "not set")},
		fields=["name", "creation", "modified", "modified_by"],
	)
	if not lost:
		return
	losses = when_status_became({row.name: row.creation for row in lost}, "Lost")
	for row in lost:
		when, who = losses.get(row.name, (row.modified, row.modified_by))
		frappe.db.set_value(
			"Opportunity", row.name, {"lost_date": when, "lost_by": who}, update_modified=False
		)
