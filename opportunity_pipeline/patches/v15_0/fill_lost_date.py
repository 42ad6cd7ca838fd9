import json

import frappe
from frappe.modules.utils import sync_customizations


def execute():
	"""Opportunities lost before the app recorded when: the date and user of the Version that set the
	status to Lost, or else the last modification."""
	sync_customizations("opportunity_pipeline")  # post_model_sync patches run before Frappe syncs them
	lost = frappe.get_all(
		"Opportunity",
		filters={"status": "Lost", "lost_date": ("is", "not set")},
		fields=["name", "modified", "modified_by"],
	)
	if not lost:
		return
	losses = _losses_in_history({row.name for row in lost})
	for row in lost:
		when, who = losses.get(row.name, (row.modified, row.modified_by))
		frappe.db.set_value(
			"Opportunity", row.name, {"lost_date": when, "lost_by": who}, update_modified=False
		)


def _losses_in_history(names: set[str]) -> dict:
	"""name -> (when, who) of the latest Version that changed the status to Lost."""
	version = frappe.qb.DocType("Version")
	rows = (
		frappe.qb.from_(version)
		.select(version.docname, version.creation, version.owner, version.data)
		.where((version.ref_doctype == "Opportunity") & version.data.like('%"status"%'))
		.orderby(version.creation)
		.run(as_dict=True)
	)
	losses = {}
	for row in rows:
		if row.docname in names and _sets_status_lost(row.data):
			losses[row.docname] = (row.creation, row.owner)
	return losses


def _sets_status_lost(data: str) -> bool:
	changed = json.loads(data or "{}").get("changed") or []
	return any(change[0] == "status" and change[2] == "Lost" for change in changed)
