"""What the move made of one of ERPNext's records (or why it did not move it). Written by crm_move only."""

import frappe
from frappe.model.document import Document


class PipelineMoveRecord(Document):
	pass


def on_doctype_update():
	"""One record per source record: how a re-run finds what moved."""
	frappe.db.add_unique(
		"Pipeline Move Record", ["source_doctype", "source_name"], constraint_name="move_record_source"
	)
