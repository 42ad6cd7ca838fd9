"""When opportunities reached a status, read from their Version history (for patches that date the past)."""

import json

import frappe


def when_status_became(created: dict, status: str) -> dict:
	"""name -> (when, who) of the latest Version that changed the status to `status`, of the opportunities
	`created` maps to their creation: a Version older than that is a deleted namesake's (the series hands
	a number back once the last opportunity of the series is deleted, and a rename may take a free name)."""
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
		if row.docname in created and row.creation >= created[row.docname] and _sets_status(row.data, status):
			found[row.docname] = (row.creation, row.owner)
	return found


def _sets_status(data: str, status: str) -> bool:
	changed = json.loads(data or "{}").get("changed") or []
	return any(change[0] == "status" and change[2] == status for change in changed)
