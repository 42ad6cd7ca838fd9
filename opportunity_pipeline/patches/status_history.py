"""When opportunities reached a status, read from their Version history (for patches that date the past)."""

import json

import frappe


def when_status_became(names: set[str], status: str) -> dict:
	"""name -> (when, who) of the latest Version that changed the status to `status`."""
	version = frappe.qb.DocType("Version")
	rows = (
		frappe.qb.from_(version)
		.select(version.docname, version.creation, version.owner, version.data)
		.where((version.ref_doctype == "Opportunity") & version.data.like('%"status"%'))
		.orderby(version.creation)
		.run(as_dict=True)
	)
	found = {}
	for row in rows:
		if row.docname in names and _sets_status(row.data, status):
			found[row.docname] = (row.creation, row.owner)
	return found


def _sets_status(data: str, status: str) -> bool:
	changed = json.loads(data or "{}").get("changed") or []
	return any(change[0] == "status" and change[2] == status for change in changed)
