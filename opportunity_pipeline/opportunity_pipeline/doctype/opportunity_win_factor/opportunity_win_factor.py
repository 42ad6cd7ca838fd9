"""What learning found in one company's history: for a stage, how often opportunities that reached it
were won and lost; for a field's value at a stage, the same and its effect. Rows are written by
win_probability/learn.py only."""

import frappe
from frappe.model.document import Document

from opportunity_pipeline.permissions import readable_opportunities


class OpportunityWinFactor(Document):
	pass


def on_doctype_update():
	"""One row per company, stage, field and value: the index every save and every apply reads through."""
	frappe.db.add_unique(
		"Opportunity Win Factor",
		["company", "sales_stage", "field", "value"],
		constraint_name="win_factor_key",
	)


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
