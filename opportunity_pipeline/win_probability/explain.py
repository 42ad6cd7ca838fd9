"""Why an opportunity has its chance: the prior, and the effect of its stage and of each field."""

import math

import frappe
from frappe import _
from frappe.utils import flt, fmt_money

from opportunity_pipeline.document_types import base_currency, chosen
from opportunity_pipeline.forecast.stages import stage_probability
from opportunity_pipeline.pipeline_document import CRM_DEAL, OPPORTUNITY
from opportunity_pipeline.validation import existing
from opportunity_pipeline.win_probability.apply import SET_BY_HAND, model_values
from opportunity_pipeline.win_probability.learn import stored_factors
from opportunity_pipeline.win_probability.permissions import reads_every
from opportunity_pipeline.win_probability.rules import (
	AMOUNT_BAND,
	NO_STAGE,
	STAGE_FIELD,
	amount_bands,
	history,
	is_trusted,
	score,
)
from opportunity_pipeline.win_probability.settings import (
	LEARNED,
	SALES_STAGE,
	field_label,
	win_probability_settings,
)


@frappe.whitelist()
def explain_win_probability(opportunity: str) -> dict:
	"""{"probability", "method", "prior", "factors": [{"field", "label", "value", "value_label",
	"raises", "effect"}]} for an opportunity the user may read. `method` is the one that gives the
	probability: Learned, or Sales Stage (chosen, or below the minimum history); factors come strongest
	first, `raises` says which way each moves the chance. Also: "set_by_hand", "stored" (the probability
	saved on it), "setting" and "history" (the minimums).

	One rule with Opportunity Win Factor: the chance is the opportunity's own, shown wherever it is; the
	figures behind it are counts of every closed opportunity of the company, so only a user whom nothing
	restricts on Opportunity gets them: `effect` (a likelihood ratio, x2.1 doubles the odds), `prior`
	(the company's win rate) and the won and lost counts in `history`; anyone else gets None there."""
	return explain(OPPORTUNITY.doctype, opportunity)


@frappe.whitelist()
def explain_deal_win_probability(deal: str) -> dict:
	"""explain_win_probability for a Frappe CRM deal the user may read, with the same rule: the figures
	behind the chance count every closed deal, so only a user whom nothing restricts on CRM Deal gets them."""
	return explain(CRM_DEAL.doctype, deal)


def explain(doctype: str, name: str) -> dict:
	"""The explanation of a document of a pipeline type the site runs (chosen refuses any other)."""
	document = chosen(doctype)
	existing(doctype, name, _(doctype))
	doc = frappe.get_doc(doctype, name)
	doc.check_permission("read")
	settings = win_probability_settings()
	company = doc.get(document.company_field) if document.company_field else None
	stage = doc.get(document.stage.fieldname)
	fields = settings.fields_of(document)

	values = model_values(doc, settings)
	factors = (
		stored_factors(company, stage, values, document) if company or not document.company_field else {}
	)
	prior = factors.get((NO_STAGE, STAGE_FIELD, NO_STAGE))
	won, lost = history([prior] if prior else [])
	explained = score(factors, stage, values, fields) if prior else None
	learned = settings.learned and is_trusted(won, lost, settings.min_won, settings.min_lost)
	figures_shown = reads_every(doctype)
	currency = base_currency(document, company)

	return {
		"probability": explained.probability if learned else stage_probability(stage, document),
		"method": LEARNED if learned else SALES_STAGE,
		"prior": explained.prior if explained and figures_shown else None,
		"factors": [
			{
				"field": field,
				"label": field_label(field, document),
				"value": value,
				"value_label": value_label(field, value, currency),
				"raises": effect > 1,
				"effect": round(effect, 2) if figures_shown else None,
			}
			for field, value, effect in (explained.factors if explained else [])
			if not math.isclose(effect, 1)
		],
		"set_by_hand": bool(doc.get(SET_BY_HAND)),
		"stored": flt(doc.get(document.probability_field)),
		"setting": settings.method,
		"history": {
			"won": won if figures_shown else None,
			"lost": lost if figures_shown else None,
			"min_won": settings.min_won,
			"min_lost": settings.min_lost,
		},
	}


def value_label(field: str, value: str, currency: str | None) -> str:
	"""The value as the form shows it: a band as its amounts, a blank as "(blank)"."""
	if not value:
		return _("(blank)")
	if field == AMOUNT_BAND:
		for lower, upper, stored in amount_bands():
			if stored == value:
				low = fmt_money(lower, precision=0, currency=currency)
				if upper is None:
					return _("{0} or more").format(low)
				return _("{0} to {1}").format(low, fmt_money(upper, precision=0, currency=currency))
	return _(value) if field == STAGE_FIELD else value
