"""One opportunity's tracked values over [valid_from, valid_to). Rows are written by pipeline_history only."""

import frappe
from frappe.model.document import Document


class OpportunityPipelineState(Document):
	pass


def on_doctype_update():
	"""The indexes the history is read through: an opportunity's rows in order (saves, the form, states at
	a moment of given opportunities), a company's rows by lifetime class and start (as-of queries), and
	a company's rows by start (changes between two dates, stays that ended in a period)."""
	frappe.db.add_index(
		"Opportunity Pipeline State", ["opportunity", "valid_to", "valid_from"], "state_by_opportunity"
	)
	frappe.db.add_index(
		"Opportunity Pipeline State", ["company", "span_class", "status", "valid_from"], "state_by_span"
	)
	frappe.db.add_index(
		"Opportunity Pipeline State",
		["company", "valid_from", "stage_days", "left_stage", "status", "sales_stage"],
		"state_by_start",
	)
