"""How well the learned win probability predicted what happened, next to the sales stages' percentages.

Each opportunity (or Frappe CRM deal: the Document Type filter) closed in the range is scored as it stood at every stage it reached (the stage rule of
win_probability/rules.py): a win at each stage, a loss at its own and the earlier ones. That is exactly
the chance the form showed it there, so a band's predicted mean and actual win rate can be compared.
With Backtest, the model is learned again from the opportunities closed before From Date only, so none of
the scored ones taught it: the comparison with the stage percentages is honest."""

import frappe
from frappe import _
from frappe.utils import add_days, add_months, cint, today

from opportunity_pipeline.document_types import chosen
from opportunity_pipeline.forecast.stages import stage_probability
from opportunity_pipeline.permissions import readable_condition
from opportunity_pipeline.reporting.background import answer_or_queue, progress, queued_message
from opportunity_pipeline.reporting.query import require_company_and_range
from opportunity_pipeline.validation import date_value
from opportunity_pipeline.win_probability.learn import (
	closed_groups,
	learn_factors,
	learned_stages,
	stored_factors,
)
from opportunity_pipeline.win_probability.permissions import reads_every
from opportunity_pipeline.win_probability.rules import (
	CALIBRATION_BANDS,
	NO_STAGE,
	STAGE_FIELD,
	brier_score,
	calibration,
	score,
	stages_reached,
)
from opportunity_pipeline.win_probability.settings import win_probability_settings

REPORT = "Win Probability Calibration"


def execute(filters=None):
	"""Every closed opportunity of the company (every closed deal) is read, and with Backtest every one
	closed before From Date: on a large site the report is computed in the background
	(reporting.background). Deals have no company: the Company filter does not narrow them."""
	filters = _checked(frappe._dict(filters or {}))
	result = answer_or_queue(REPORT, filters, calibrated)
	if result is None:
		return _columns(), [], queued_message(), None, []
	return result


def calibrated(filters, publish_progress=False):
	settings = win_probability_settings()
	document = chosen(filters.document_type)
	if filters.backtest:
		factors = {
			(factor.stage, factor.field, factor.value): factor
			for factor in learn_factors(
				filters.company, settings, closed_before=filters.from_date, document=document
			)
		}
	else:
		factors = stored_factors(filters.company, document=document)
	if publish_progress:
		progress(REPORT, 1, 2)  # the factors; the scoring is the second step
	prior = factors.get((NO_STAGE, STAGE_FIELD, NO_STAGE))
	if prior is None:
		message = _("Nothing has been learned for this company yet: learn from Selling Settings first.")
		if filters.backtest:
			message = _("No opportunity of this company closed before From Date to learn from.")
		if not document.company_field:
			message = _("Nothing has been learned from {0} yet: learn from Selling Settings first.")
			if filters.backtest:
				message = _("None of the {0} closed before From Date to learn from.")
			message = message.format(_(document.plural_label).lower())
		return _columns(), [], message, None, []

	rows, opportunities = _scored(filters, settings, factors, document)
	bands = calibration(rows)
	learned = brier_score((chance, won, count) for chance, _stage, won, count in rows)
	staged = brier_score((stage, won, count) for _chance, stage, won, count in rows)
	table = [
		{
			"band": _band_label(index),
			"predictions": band["count"],
			"predicted": _percent(band["predicted"]),
			"actual": _percent(band["actual"]),
			"stage": _percent(band["stage"]),
		}
		for index, band in enumerate(bands)
	]
	summary = _summary(learned, staged, opportunities, filters, document)
	return _columns(), table, None, _chart(table), summary


def _checked(filters):
	from_date = date_value(filters.get("from_date") or add_months(today(), -12), _("From Date"))
	require_company_and_range(filters, from_date, filters.get("to_date") or today(), REPORT)
	filters.document_type = chosen(filters.get("document_type")).doctype
	filters.backtest = bool(cint(filters.get("backtest")))
	if filters.backtest and not reads_every(filters.document_type):
		# Backtest learns the factors anew: their figures count every closed opportunity of the company
		# (every closed deal), which only a user whom nothing restricts may read (as Opportunity Win Factor).
		message = _(
			"Backtest learns from every closed opportunity of the company: only a user who may read them all may run it."
		)
		if not chosen(filters.document_type).company_field:
			message = _(
				"Backtest learns from every closed deal: only a user who may read them all may run it."
			)
		frappe.throw(message, frappe.PermissionError)
	return filters


def _scored(filters, settings, factors, document):
	"""(learned chance, stage chance, won, count) rows, and how many documents they score: one grouped
	query of the closed documents the user may read, each group scored once per stage it reached."""
	groups = closed_groups(
		filters.company,
		settings,
		readable_condition(document.doctype),
		document,
		closed_from=filters.from_date,
		closed_before=add_days(filters.to_date, 1),
	)
	fields = settings.fields_of(document)

	# Where no stage gives a percentage, the baseline is the learned prior: the overall win rate.
	order, prior_chance = learned_stages(document), score(factors, None, {}, []).probability / 100
	memo, rows, opportunities = {}, [], 0
	for group in groups:
		is_won, final_stage, values, count = group
		opportunities += count
		for reached in stages_reached(is_won, final_stage or None, order):
			key = (reached, values)
			if key not in memo:
				learned = score(factors, reached, dict(zip(fields, values, strict=True)), fields)
				by_stage = stage_probability(reached, document)
				memo[key] = (learned.probability / 100, by_stage / 100 if by_stage else prior_chance)
			rows.append((*memo[key], is_won, count))
	return rows, opportunities


def _percent(share):
	return None if share is None else round(100 * share, 1)


def _band_label(index: int) -> str:
	width = 100 // CALIBRATION_BANDS
	return _("{0} to {1} %").format(index * width, (index + 1) * width)


def _columns():
	return [
		{"fieldname": "band", "label": _("Learned Chance"), "fieldtype": "Data", "width": 140},
		{"fieldname": "predictions", "label": _("Predictions"), "fieldtype": "Int", "width": 120},
		{"fieldname": "predicted", "label": _("Predicted (Learned)"), "fieldtype": "Percent", "width": 160},
		{"fieldname": "actual", "label": _("Actually Won"), "fieldtype": "Percent", "width": 140},
		{"fieldname": "stage", "label": _("Sales Stage Percentage"), "fieldtype": "Percent", "width": 180},
	]


def _chart(table) -> dict:
	"""Predicted and actual win rate per band: on a calibrated model the two lines meet."""
	shown = [row for row in table if row["predictions"]]
	return {
		"data": {
			"labels": [row["band"] for row in shown],
			"datasets": [
				{"name": _("Predicted (Learned)"), "values": [row["predicted"] for row in shown]},
				{"name": _("Actually Won"), "values": [row["actual"] for row in shown]},
				{"name": _("Sales Stage Percentage"), "values": [row["stage"] for row in shown]},
			],
		},
		"type": "line",
		"fieldtype": "Percent",
		"colors": ["#5e64ff", "#29cd42", "#ffa00a"],
		"lineOptions": {"dotSize": 6},
	}


def _summary(learned, staged, opportunities, filters, document) -> list[dict]:
	def brier(value, label, better):
		return {
			"value": None if value is None else round(value, 4),
			"label": label,
			"datatype": "Float",
			"indicator": "Green" if better else "Red",
		}

	both = learned is not None and staged is not None
	return [
		{
			"value": opportunities,
			"label": _("Closed {0}").format(_(document.plural_label)),
			"datatype": "Int",
		},
		brier(learned, _("Brier Score, Learned"), both and learned <= staged),
		brier(staged, _("Brier Score, Sales Stage"), both and staged < learned),
		{
			"value": _("Backtest: learned before From Date") if filters.backtest else _("Learned from all"),
			"label": _("Model"),
			"datatype": "Data",
		},
	]
