"""Applying the learned chance: to every open document of a company (or every open deal) in one UPDATE
after learning, and to one document when a save changes what it depends on."""

from pypika import CustomFunction
from pypika.terms import Interval, ValueWrapper

import frappe
from frappe.query_builder.functions import Coalesce, Round
from frappe.utils import cint, flt, now_datetime

from opportunity_pipeline.document_types import open_statuses, status_type
from opportunity_pipeline.forecast.rules import probability_after_save
from opportunity_pipeline.forecast.stages import stage_probability
from opportunity_pipeline.pipeline_document import OPPORTUNITY, PIPELINE_DOCUMENTS, PipelineDocument
from opportunity_pipeline.pipeline_history.record import record_changes
from opportunity_pipeline.sql import Qualified
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
# Whether the probability was typed rather than given by the app: a custom field on both document types.
SET_BY_HAND = "probability_set_by_hand"


def is_company_trusted(company: str | None, settings, document=OPPORTUNITY) -> bool:
	"""Enough won and lost documents were learned from."""
	prior = stored_factors(company, None, {}, document).get((NO_STAGE, STAGE_FIELD, NO_STAGE))
	return bool(prior) and is_trusted(prior.won, prior.lost, settings.min_won, settings.min_lost)


def apply_company(company: str | None, settings=None, document: PipelineDocument = OPPORTUNITY) -> int:
	"""Every open document of the company (every open deal) whose probability was not typed by hand gets
	its learned chance, in one UPDATE joined to the factors; only rows whose chance changes are written
	(their `modified` moves by a microsecond: moved_modified). Nothing happens below the minimum history.
	Returns how many rows changed."""
	settings = settings or win_probability_settings()
	if not is_company_trusted(company, settings, document):
		return 0
	table = frappe.qb.DocType(document.doctype)
	scope = document.scope(company)
	company_term = table[document.company_field] if document.company_field else ValueWrapper(scope)
	stage_term = table[document.stage.fieldname]

	def of_scope(factor):
		return (factor.company == company_term) & (
			Coalesce(factor.document_type, OPPORTUNITY.doctype) == document.doctype
		)

	prior = frappe.qb.DocType(WIN_FACTOR).as_("prior")
	stage = frappe.qb.DocType(WIN_FACTOR).as_("stage")
	population = Coalesce(stage.sales_stage, NO_STAGE)
	query = (
		frappe.qb.update(table)
		.join(prior)
		.on(
			of_scope(prior)
			& (prior.sales_stage == NO_STAGE)
			& (prior["field"] == STAGE_FIELD)
			& (prior.value == NO_STAGE)
		)
		.left_join(stage)
		.on(
			of_scope(stage)
			& (stage.sales_stage == stage_term)
			& (stage["field"] == STAGE_FIELD)
			& (stage.value == stage_term)
		)
	)
	log_odds = Coalesce(stage.weight, prior.weight)
	for number, field in enumerate(settings.fields_of(document)):
		factor = frappe.qb.DocType(WIN_FACTOR).as_(f"factor_{number}")
		query = query.left_join(factor).on(
			of_scope(factor)
			& (factor.sales_stage == population)
			& (factor["field"] == field)
			& (factor.value == field_term(field, table, document))
		)
		log_odds = log_odds + Coalesce(factor.weight, 0)
	chance = Round(ValueWrapper(100) / (1 + Exp(ValueWrapper(0) - log_odds)), 1)
	probability = table[document.probability_field]
	now = now_datetime()
	condition = table[document.status_field].isin(open_statuses(document)) & (
		Coalesce(table[SET_BY_HAND], 0) == 0
	)
	if document.company_field:
		condition &= table[document.company_field] == company
	query = (
		query.set(Qualified(table.modified), moved_modified(table))
		.set(Qualified(probability), chance)
		.where(condition & ((probability != chance) | probability.isnull()))
	)
	query.run()
	changed = frappe.db.sql("select row_count()")[0][0]
	if document.keeps_history and changed:
		record_changes(condition, now=now, document=document)
	return changed


def moved_modified(table):
	"""What a bulk change sets `modified` to: one microsecond later than it was. It moves, so that a form
	opened before cannot save the old chance back as typed by hand (Frappe refuses a save whose `modified`
	is not the stored one); it moves no further, as the auto-close reads `modified` as the last response
	and the app's own change is none. The history then finds the changed rows by comparing them with
	their current state (record_changes), not by a stamp."""
	return table.modified + Interval(microseconds=1)


def note_probability_sent(doc, method=None):
	"""before_validate of a document whose own validate fills an empty probability (Frappe CRM gives a
	deal its status's): what the client sent, so that a filled-in default is not taken as typed by hand."""
	doc.flags.probability_sent = doc.get(PIPELINE_DOCUMENTS[doc.doctype].probability_field)


def apply_probability(doc):
	"""validate: the automatic probability (the learned chance when the method is Learned and the company
	has the history for it, else the stage's) applies unless one was set by hand. The learned one is
	computed only when the save changes what it depends on."""
	document = PIPELINE_DOCUMENTS[doc.doctype]
	before = doc.get_doc_before_save()
	field = document.probability_field
	sent = doc.flags.probability_sent if "probability_sent" in doc.flags else doc.get(field)
	settings = win_probability_settings()
	changed = inputs_changed(doc, settings, document)
	automatic = learned_probability(doc, settings) if changed else None
	if automatic is None:
		automatic = stage_probability(doc.get(document.stage.fieldname), document)
	probability, set_by_hand = probability_after_save(
		is_new=before is None,
		inputs_changed=changed,
		old_probability=flt(before.get(field)) if before else None,
		new_probability=None if sent in (None, "") else flt(sent),
		set_by_hand=bool(cint(doc.get(SET_BY_HAND))),
		automatic_probability=automatic,
	)
	if probability is not None:
		doc.set(field, probability)
	doc.set(SET_BY_HAND, set_by_hand)


def learned_probability(doc, settings) -> float | None:
	"""The learned chance of the document as it is being saved; None when the method is Sales Stage, the
	document is not open, or the company has too little history (the stage's probability applies then)."""
	document = PIPELINE_DOCUMENTS[doc.doctype]
	company = doc.get(document.company_field) if document.company_field else None
	if not settings.learned or (document.company_field and not company):
		return None
	if status_type(document, doc.get(document.status_field)) not in document.status_groups.open:
		return None
	stage = doc.get(document.stage.fieldname)
	values = model_values(doc, settings)
	factors = stored_factors(company, stage, values, document)
	prior = factors.get((NO_STAGE, STAGE_FIELD, NO_STAGE))
	won, lost = history([prior] if prior else [])
	if not is_trusted(won, lost, settings.min_won, settings.min_lost):
		return None
	return score(factors, stage, values, settings.fields_of(document)).probability


def model_values(doc, settings) -> dict:
	"""The document's value of each field the model uses, as the learning counted them."""
	document = PIPELINE_DOCUMENTS[doc.doctype]
	values = {}
	for field in settings.fields_of(document):
		if field == AMOUNT_BAND:
			rate = flt(doc.get(document.exchange_rate_field))
			values[field] = amount_band(flt(doc.get(document.amount_field)) * (rate if rate > 0 else 1))
		else:
			values[field] = doc.get(column(field, document)) or ""
	return values


def inputs_changed(doc, settings, document: PipelineDocument = OPPORTUNITY) -> bool:
	"""Whether the save changes the stage or a field the learned chance depends on."""
	before = doc.get_doc_before_save()
	if before is None:
		return True
	fields = [document.stage.fieldname]
	if settings.learned:
		model_fields = settings.fields_of(document)
		fields += [column(field, document) for field in model_fields if field != AMOUNT_BAND]
		if AMOUNT_BAND in model_fields:
			fields += [document.amount_field, document.exchange_rate_field]
	return any(before.get(field) != doc.get(field) for field in fields)


def apply_stage_probabilities(document: PipelineDocument = OPPORTUNITY) -> int:
	"""Back to the Sales Stage method: every open document whose probability was not typed by hand takes
	its stage's probability again, in one UPDATE."""
	table = frappe.qb.DocType(document.doctype)
	stage = frappe.qb.DocType(document.stage.doctype)
	probability = table[document.probability_field]
	open_condition = table[document.status_field].isin(open_statuses(document))
	now = now_datetime()
	(
		frappe.qb.update(table)
		.join(stage)
		.on(stage.name == table[document.stage.fieldname])
		.set(Qualified(table.modified), moved_modified(table))
		.set(Qualified(probability), stage.probability)
		.where(
			open_condition
			& (Coalesce(table[SET_BY_HAND], 0) == 0)
			& (stage.probability > 0)
			& ((probability != stage.probability) | probability.isnull())
		)
	).run()
	changed = frappe.db.sql("select row_count()")[0][0]
	if document.keeps_history and changed:
		record_changes(open_condition, now=now, document=document)
	return changed
