"""Who reads Opportunity Pipeline State (permission_query_conditions and has_permission hooks): the rows
of the opportunities the user may read, as the list decides it, and a deleted opportunity's rows only as
Frappe lets its Deleted Document be read (permissions.reads_deleted_history)."""

import frappe

from opportunity_pipeline.permissions import readable_opportunities, reads_deleted_history

STATE_TABLE = "`tabOpportunity Pipeline State`"


def query_conditions(user: str | None = None) -> str:
	try:
		readable = readable_opportunities(user)
	except frappe.PermissionError:
		return "1=0"
	conditions = []
	if not reads_deleted_history(readable, user):
		conditions.append(f"{STATE_TABLE}.`deleted` = 0")
	if readable is not None:
		condition = readable.get_sql().replace("%%", "%")
		conditions.append(
			f"{STATE_TABLE}.`opportunity` in (select `tabOpportunity`.`name` from `tabOpportunity` where {condition})"
		)
	return " and ".join(conditions)


def has_permission(doc, ptype: str = "read", user: str | None = None) -> bool:
	if ptype not in ("read", "report", "export", "print", "select"):
		return False
	try:
		readable = readable_opportunities(user)
	except frappe.PermissionError:
		return False
	if doc.deleted:
		return reads_deleted_history(readable, user)
	if readable is None:
		return True
	return bool(
		frappe.db.exists("Opportunity", doc.opportunity)
		and frappe.has_permission("Opportunity", "read", doc=doc.opportunity, user=user)
	)
