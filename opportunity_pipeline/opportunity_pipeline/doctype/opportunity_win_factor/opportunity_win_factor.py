"""What learning found in one company's history: for a stage, how often opportunities that reached it
were won and lost; for a field's value at a stage, the same and its effect. Rows are written by
win_probability/learn.py only."""

import frappe
from frappe.model.document import Document


class OpportunityWinFactor(Document):
	pass


def on_doctype_update():
	"""One row per company, stage, field and value: the index every save and every apply reads through."""
	frappe.db.add_unique(
		"Opportunity Win Factor",
		["company", "sales_stage", "field", "value"],
		constraint_name="win_factor_key",
	)
