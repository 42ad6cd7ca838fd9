"""One opportunity's tracked values over [valid_from, valid_to). Rows are written by pipeline_history only."""

import frappe
from frappe.model.document import Document


class OpportunityPipelineState(Document):
	pass


def on_doctype_update():
	"""The indexes the history is read through: an opportunity's rows in order (saves, the form, and
	covering what Pipeline Movement reads of the opportunities that entered or left); a company's rows by lifetime class and start, covering what the
	as-of pipeline, Pipeline Movement and Forecast Accuracy read (so an as-of query reads no table row);
	a company's rows by start, covering the stays Stage Velocity counts."""
	frappe.db.add_index(
		"Opportunity Pipeline State",
		[
			"opportunity",
			"valid_to",
			"valid_from",
			"company",
			"deleted",
			"status",
			"amount",
			"probability",
			"expected_closing",
		],
		"state_by_opportunity",
	)
	frappe.db.add_index(
		"Opportunity Pipeline State",
		[
			"company",
			"span_class",
			"status",
			"valid_from",
			"valid_to",
			"amount",
			"probability",
			"expected_closing",
			"sales_stage",
			"opportunity_owner",
			"opportunity",
			"deleted",
		],
		"state_as_of",
	)
	frappe.db.add_index(
		"Opportunity Pipeline State",
		["company", "valid_from", "left_stage", "stage_days", "status", "sales_stage"],
		"state_by_start",
	)
