"""The Opportunity form's history section: its stays in each stage, with dates and days spent."""

import frappe
from frappe import _
from frappe.utils import now_datetime

from opportunity_pipeline.pipeline_history.record import STATE
from opportunity_pipeline.pipeline_history.rules import stage_stays
from opportunity_pipeline.validation import existing


@frappe.whitelist()
def opportunity_history(opportunity: str) -> dict:
	"""{"stays": [{"stage", "from", "to", "days", "ended_as"}], "changes", "reconstructed"} of an
	opportunity the user may read; `reconstructed`: some rows were read back from Versions."""
	existing("Opportunity", opportunity, _("Opportunity"))
	frappe.get_doc("Opportunity", opportunity).check_permission("read")
	state = frappe.qb.DocType(STATE)
	rows = (
		frappe.qb.from_(state)
		.select(
			state.valid_from,
			state.status,
			state.sales_stage,
			state.stage_since,
			state.left_stage,
			state.origin,
		)
		.where(
			(state.opportunity == opportunity) & (state.document_type == "Opportunity") & (state.deleted == 0)
		)
		.orderby(state.valid_from)
		.orderby(state.name)
		.run(as_dict=True)
	)
	return {
		"stays": stage_stays(rows, now_datetime()),
		"changes": len(rows),
		"reconstructed": any(row.origin != "Recorded" for row in rows),
	}
