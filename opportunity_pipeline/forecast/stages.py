"""Sales Stage probabilities: their defaults, and the probability they give an opportunity."""

import frappe
from frappe import _
from frappe.query_builder.functions import Max
from frappe.utils import cint, flt

from opportunity_pipeline import document_types
from opportunity_pipeline.forecast.rules import stage_defaults
from opportunity_pipeline.pipeline_document import OPPORTUNITY, PipelineDocument


def stage_probability(stage: str | None, document: PipelineDocument = OPPORTUNITY) -> float | None:
	"""The stage's probability (a Sales Stage's, or on a deal its CRM Deal Status's); None for no stage or
	a stage without one (0 counts as none)."""
	if not stage:
		return None
	return flt(frappe.get_cached_value(document.stage.doctype, stage, "probability")) or None


def fill_stage_defaults(doc, method=None):
	"""Sales Stage before_insert: ERPNext's default stages get their probability and order (the setup
	wizard creates them after the app may have been installed); other new stages go last."""
	defaults = stage_defaults(doc.stage_name or doc.name, _)
	if defaults and not flt(doc.get("probability")):
		doc.probability = defaults[0]
	if not cint(doc.get("stage_order")):
		doc.stage_order = defaults[1] if defaults else _last_stage_order() + 1


def set_default_stage_probabilities():
	"""Install and migrate: the default stages that have no probability or order yet get them."""
	for stage in frappe.get_all("Sales Stage", fields=["name", "probability", "stage_order"]):
		defaults = stage_defaults(stage.name, _)
		if not defaults:
			continue
		values = {}
		if not flt(stage.probability):
			values["probability"] = defaults[0]
		if not cint(stage.stage_order):
			values["stage_order"] = defaults[1]
		if values:
			frappe.db.set_value("Sales Stage", stage.name, values, update_modified=False)


def ordered_stages() -> list[str]:
	return document_types.ordered_stages(OPPORTUNITY)


def _last_stage_order() -> int:
	"""Through frappe.qb: Frappe 16 refuses an SQL function given as a string to get_value."""
	stage = frappe.qb.DocType("Sales Stage")
	return cint(frappe.qb.from_(stage).select(Max(stage.stage_order)).run()[0][0])
