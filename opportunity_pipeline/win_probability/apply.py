"""Applying the learned chance: to every open opportunity of a company in one UPDATE after learning, and
to one opportunity when a save changes what it depends on."""

from pypika import CustomFunction
from pypika.terms import ValueWrapper

import frappe
from frappe.query_builder.functions import Coalesce, Round
from frappe.utils import cint, flt, now_datetime

from opportunity_pipeline.forecast.rules import probability_after_save
from opportunity_pipeline.forecast.stages import stage_probability
from opportunity_pipeline.pipeline_history.record import record_changes
from opportunity_pipeline.sql import Qualified
from opportunity_pipeline.statuses import OPEN_STATUSES
from opportunity_pipeline.win_probability.learn import WIN_FACTOR, field_term, stored_factors
from opportunity_pipeline.win_probability.rules import (
	AMOUNT_BAND,
	NO_STAGE,
	STAGE_FIELD,
	amount_band,
	history,
	is_trusted,
	score,
)
from opportunity_pipeline.win_probability.settings import column, win_probability_settings

Exp = CustomFunction("EXP", ["exponent"])


def is_company_trusted(company: str, settings) -> bool:
	"""Enough won and lost opportunities were learned from."""
	prior = stored_factors(company, None, {}).get((NO_STAGE, STAGE_FIELD, NO_STAGE))
	return bool(prior) and is_trusted(prior.won, prior.lost, settings.min_won, settings.min_lost)


def apply_company(company: str, settings=None) -> int:
	"""Every open opportunity of the company whose probability was not typed by hand gets its learned
	chance, in one UPDATE joined to the factors; only rows whose chance changes are written (and their
	`modified` moves, so a form opened before cannot save the old chance back as typed by hand). Nothing
	happens below the minimum history. Returns how many rows changed."""
	settings = settings or win_probability_settings()
	if not is_company_trusted(company, settings):
		return 0
	opportunity = frappe.qb.DocType("Opportunity")
	prior = frappe.qb.DocType(WIN_FACTOR).as_("prior")
	stage = frappe.qb.DocType(WIN_FACTOR).as_("stage")
	population = Coalesce(stage.sales_stage, NO_STAGE)
	query = (
		frappe.qb.update(opportunity)
		.join(prior)
		.on(
			(prior.company == opportunity.company)
			& (prior.sales_stage == NO_STAGE)
			& (prior["field"] == STAGE_FIELD)
			& (prior.value == NO_STAGE)
		)
		.left_join(stage)
		.on(
			(stage.company == opportunity.company)
			& (stage.sales_stage == opportunity.sales_stage)
			& (stage["field"] == STAGE_FIELD)
			& (stage.value == opportunity.sales_stage)
		)
	)
	log_odds = Coalesce(stage.weight, prior.weight)
	for number, field in enumerate(settings.fields):
		factor = frappe.qb.DocType(WIN_FACTOR).as_(f"factor_{number}")
		query = query.left_join(factor).on(
			(factor.company == opportunity.company)
			& (factor.sales_stage == population)
			& (factor["field"] == field)
			& (factor.value == field_term(field, opportunity))
		)
		log_odds = log_odds + Coalesce(factor.weight, 0)
	chance = Round(ValueWrapper(100) / (1 + Exp(ValueWrapper(0) - log_odds)), 1)
	now = now_datetime()
	query = (
		query.set(Qualified(opportunity.modified), now)
		.set(Qualified(opportunity.probability), chance)
		.where(
			(opportunity.company == company)
			& opportunity.status.isin(OPEN_STATUSES)
			& (Coalesce(opportunity.probability_set_by_hand, 0) == 0)
			& ((opportunity.probability != chance) | opportunity.probability.isnull())
		)
	)
	query.run()
	changed = frappe.db.sql("select row_count()")[0][0]
	# The rows the UPDATE wrote are those it stamped with `now`: only they can have a new state.
	record_changes((opportunity.company == company) & (opportunity.modified == now), now=now)
	return changed


def apply_probability(doc):
	"""Opportunity validate: the automatic probability (the learned chance when the method is Learned and
	the company has the history for it, else the stage's) applies unless one was set by hand. The learned
	one is computed only when the save changes what it depends on."""
	before = doc.get_doc_before_save()
	probability = doc.get("probability")
	settings = win_probability_settings()
	changed = inputs_changed(doc, settings)
	automatic = learned_probability(doc, settings) if changed else None
	doc.probability, doc.probability_set_by_hand = probability_after_save(
		is_new=before is None,
		inputs_changed=changed,
		old_probability=flt(before.probability) if before else None,
		new_probability=None if probability in (None, "") else flt(probability),
		set_by_hand=bool(cint(doc.get("probability_set_by_hand"))),
		automatic_probability=automatic if automatic is not None else stage_probability(doc.sales_stage),
	)


def learned_probability(doc, settings) -> float | None:
	"""The learned chance of the opportunity as it is being saved; None when the method is Sales Stage or
	the company has too little history (the stage's probability applies then)."""
	if not settings.learned or not doc.company:
		return None
	values = model_values(doc, settings)
	factors = stored_factors(doc.company, doc.sales_stage, values)
	prior = factors.get((NO_STAGE, STAGE_FIELD, NO_STAGE))
	won, lost = history([prior] if prior else [])
	if not is_trusted(won, lost, settings.min_won, settings.min_lost):
		return None
	return score(factors, doc.sales_stage, values, settings.fields).probability


def model_values(doc, settings) -> dict:
	"""The opportunity's value of each field the model uses, as the learning counted them."""
	values = {}
	for field in settings.fields:
		if field == AMOUNT_BAND:
			values[field] = amount_band((doc.opportunity_amount or 0) * (doc.conversion_rate or 1))
		else:
			values[field] = doc.get(column(field)) or ""
	return values


def inputs_changed(doc, settings) -> bool:
	"""Whether the save changes the stage or a field the learned chance depends on."""
	before = doc.get_doc_before_save()
	if before is None:
		return True
	fields = ["sales_stage"]
	if settings.learned:
		fields += [column(field) for field in settings.fields if field != AMOUNT_BAND]
		if AMOUNT_BAND in settings.fields:
			fields += ["opportunity_amount", "conversion_rate"]
	return any(before.get(field) != doc.get(field) for field in fields)


def apply_stage_probabilities() -> int:
	"""Back to the Sales Stage method: every open opportunity whose probability was not typed by hand takes
	its stage's probability again, in one UPDATE."""
	opportunity = frappe.qb.DocType("Opportunity")
	stage = frappe.qb.DocType("Sales Stage")
	now = now_datetime()
	(
		frappe.qb.update(opportunity)
		.join(stage)
		.on(stage.name == opportunity.sales_stage)
		.set(Qualified(opportunity.modified), now)
		.set(Qualified(opportunity.probability), stage.probability)
		.where(
			opportunity.status.isin(OPEN_STATUSES)
			& (Coalesce(opportunity.probability_set_by_hand, 0) == 0)
			& (stage.probability > 0)
			& ((opportunity.probability != stage.probability) | opportunity.probability.isnull())
		)
	).run()
	changed = frappe.db.sql("select row_count()")[0][0]
	record_changes(opportunity.status.isin(OPEN_STATUSES) & (opportunity.modified == now), now=now)
	return changed
