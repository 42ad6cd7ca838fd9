"""Who reads Opportunity Pipeline State (permission_query_conditions and has_permission hooks): the rows
of the opportunities the user may read, as the list decides it."""

import frappe

from opportunity_pipeline.permissions import readable_opportunities


def query_conditions(user: str | None = None) -> str:
	"""A restricted user reads the rows of the opportunities they may read now; a deleted opportunity's
	rows only reach users whom nothing restricts."""
	try:
		readable = readable_opportunities(user)
	except frappe.PermissionError:
		return "1=0"
	if readable is None:
		return ""
	condition = readable.get_sql().replace("%%", "%")
	return (
		"`tabOpportunity Pipeline State`.`deleted` = 0 and `tabOpportunity Pipeline State`.`opportunity` in "
		f"(select `tabOpportunity`.`name` from `tabOpportunity` where {condition})"
	)


def has_permission(doc, ptype: str = "read", user: str | None = None) -> bool:
	if ptype not in ("read", "report", "export", "print", "select"):
		return False
	try:
		readable = readable_opportunities(user)
	except frappe.PermissionError:
		return False
	if readable is None:
		return True
	return bool(
		not doc.deleted
		and frappe.db.exists("Opportunity", doc.opportunity)
		and frappe.has_permission("Opportunity", "read", doc=doc.opportunity, user=user)
	)
