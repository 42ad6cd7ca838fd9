"""Why an opportunity has its chance: the prior, and the effect of its stage and of each field."""

import math

import frappe
from frappe import _
from frappe.utils import flt, fmt_money

from opportunity_pipeline.forecast.stages import stage_probability
from opportunity_pipeline.validation import existing
from opportunity_pipeline.win_probability.apply import model_values
from opportunity_pipeline.win_probability.learn import stored_factors
from opportunity_pipeline.win_probability.permissions import reads_every_opportunity
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
	existing("Opportunity", opportunity, _("Opportunity"))
	doc = frappe.get_doc("Opportunity", opportunity)
	doc.check_permission("read")
	settings = win_probability_settings()

	values = model_values(doc, settings)
	factors = stored_factors(doc.company, doc.sales_stage, values) if doc.company else {}
	prior = factors.get((NO_STAGE, STAGE_FIELD, NO_STAGE))
	won, lost = history([prior] if prior else [])
	explained = score(factors, doc.sales_stage, values, settings.fields) if prior else None
	learned = settings.learned and is_trusted(won, lost, settings.min_won, settings.min_lost)
	figures_shown = reads_every_opportunity()

	return {
		"probability": explained.probability if learned else stage_probability(doc.sales_stage),
		"method": LEARNED if learned else SALES_STAGE,
		"prior": explained.prior if explained and figures_shown else None,
		"factors": [
			{
				"field": field,
				"label": field_label(field),
				"value": value,
				"value_label": value_label(field, value, doc.company),
				"raises": effect > 1,
				"effect": round(effect, 2) if figures_shown else None,
			}
			for field, value, effect in (explained.factors if explained else [])
			if not math.isclose(effect, 1)
		],
		"set_by_hand": bool(doc.probability_set_by_hand),
		"stored": flt(doc.probability),
		"setting": settings.method,
		"history": {
			"won": won if figures_shown else None,
			"lost": lost if figures_shown else None,
			"min_won": settings.min_won,
			"min_lost": settings.min_lost,
		},
	}


def value_label(field: str, value: str, company: str) -> str:
	"""The value as the form shows it: a band as its amounts, a blank as "(blank)"."""
	if not value:
		return _("(blank)")
	if field == AMOUNT_BAND:
		currency = frappe.get_cached_value("Company", company, "default_currency")
		for lower, upper, stored in amount_bands():
			if stored == value:
				low = fmt_money(lower, precision=0, currency=currency)
				if upper is None:
					return _("{0} or more").format(low)
				return _("{0} to {1}").format(low, fmt_money(upper, precision=0, currency=currency))
	return _(value) if field == STAGE_FIELD else value
