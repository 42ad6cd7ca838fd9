"""Who reads Opportunity Win Factor (permission_query_conditions and has_permission hooks)."""

import frappe

from opportunity_pipeline.permissions import readable_opportunities


def reads_every_opportunity(user: str | None = None) -> bool:
	"""The factors count every closed opportunity of a company: only a user whom nothing restricts on
	Opportunity may read them, so no count reaches someone the list would not show it to."""
	try:
		return readable_opportunities(user) is None
	except frappe.PermissionError:
		return False


def query_conditions(user: str | None = None) -> str:
	"""permission_query_conditions of Opportunity Win Factor."""
	return "" if reads_every_opportunity(user) else "1=0"


def has_permission(doc, ptype: str = "read", user: str | None = None) -> bool:
	return reads_every_opportunity(user)
