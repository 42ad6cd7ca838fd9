"""A document's forecast category as it is saved, and its stage's category reaching the documents at that
stage when a manager changes it: on Opportunity (its Sales Stage's) and on Frappe CRM's deals (their CRM
Deal Status's), read through each type's pipeline declaration."""

from pypika.enums import JoinType

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Coalesce, NullIf
from frappe.utils import cint

from opportunity_pipeline.document_types import open_statuses, status_type, statuses_in
from opportunity_pipeline.forecast_category.rules import (
	CLOSED,
	OMITTED,
	OPEN_CATEGORIES,
	PIPELINE,
	category_after_save,
	stage_category,
	typed_category_problem,
)
from opportunity_pipeline.pipeline_document import PIPELINE_DOCUMENTS, PipelineDocument
from opportunity_pipeline.sql import Qualified

FIELD = "forecast_category"
# Whether the category was chosen by the document's owner, so that its stage's no longer replaces it.
SET_BY_HAND = "forecast_category_set_by_hand"


def category_of_stage(stage: str | None, document: PipelineDocument) -> str:
	if not stage:
		return stage_category(None)
	return stage_category(frappe.get_cached_value(document.stage.doctype, stage, FIELD))


def apply_forecast_category(doc):
	"""validate: the category the document keeps (forecast_category.rules.category_after_save). The mark
	of a category chosen by hand is the app's: the stored one stands whatever a client sent."""
	document = PIPELINE_DOCUMENTS[doc.doctype]
	before = doc.get_doc_before_save()
	kind = status_type(document, doc.get(document.status_field))
	is_open = kind in document.status_groups.open
	old = before.get(FIELD) if before else None
	new = doc.get(FIELD) or None
	if typed_category_problem(is_open=is_open, old=old, new=new):
		frappe.throw(
			_(
				"Forecast Category must be one of {0}: Closed and Omitted are set when it is won or lost."
			).format(", ".join(_(category) for category in OPEN_CATEGORIES)),
			title=_("Forecast Category"),
		)
	stage_field = document.stage.fieldname
	inputs_changed = bool(before) and (
		before.get(stage_field) != doc.get(stage_field)
		or status_type(document, before.get(document.status_field)) != kind
	)
	category, set_by_hand = category_after_save(
		is_open=is_open,
		is_won=kind in document.status_groups.won,
		is_new=before is None,
		inputs_changed=inputs_changed,
		old=old,
		new=new,
		set_by_hand=bool(cint(before.get(SET_BY_HAND))) if before else False,
		automatic=category_of_stage(doc.get(stage_field), document),
	)
	doc.set(FIELD, category)
	doc.set(SET_BY_HAND, int(set_by_hand))


def on_stage_update(stage, method=None):
	"""Sales Stage / CRM Deal Status on_update: a new category reaches the open documents at that stage
	whose owner chose none, in the background (a stage may hold many thousands)."""
	before = stage.get_doc_before_save()
	if not before or stage_category(before.get(FIELD)) == stage_category(stage.get(FIELD)):
		return
	document = next(d for d in PIPELINE_DOCUMENTS.values() if d.stage.doctype == stage.doctype)
	frappe.enqueue(
		refresh_stage,
		doctype=document.doctype,
		stage=stage.name,
		queue="long",
		enqueue_after_commit=True,
	)


def refresh_stage(doctype: str, stage: str):
	"""The stage's category on its open documents whose owner chose none: one UPDATE, as the stored field
	is the app's (no save, no new Version)."""
	document = PIPELINE_DOCUMENTS[doctype]
	table = frappe.qb.DocType(doctype)
	frappe.qb.update(table).set(table[FIELD], category_of_stage(stage, document)).where(
		(table[document.stage.fieldname] == stage)
		& table[document.status_field].isin(open_statuses(document))
		& (table[SET_BY_HAND] == 0)
	).run()


def keep_category_in_step(doc):
	"""on_change, after a save and after a db_set of the status (ERPNext's quotation and sales order,
	Frappe CRM's own code): a document won, lost or reopened that way gets the category its status now
	gives it, written alone (its save already wrote the one validate gave it)."""
	document = PIPELINE_DOCUMENTS[doc.doctype]
	kind = status_type(document, doc.get(document.status_field))
	stored = doc.get(FIELD) or None
	category, set_by_hand = category_after_save(
		is_open=kind in document.status_groups.open,
		is_won=kind in document.status_groups.won,
		is_new=False,
		inputs_changed=False,
		old=stored,
		new=stored,
		set_by_hand=bool(cint(doc.get(SET_BY_HAND))),
		automatic=category_of_stage(doc.get(document.stage.fieldname), document),
	)
	if category != stored or int(set_by_hand) != cint(doc.get(SET_BY_HAND)):
		doc.db_set({FIELD: category, SET_BY_HAND: int(set_by_hand)}, update_modified=False)


def fill_categories(document: PipelineDocument):
	"""Install (of this app, or of Frappe CRM after it) and a patch: every document without a category
	gets the one its status and stage give it, set-based. One chosen or set since is left alone."""
	table, stage = frappe.qb.DocType(document.doctype), frappe.qb.DocType(document.stage.doctype)
	status = table[document.status_field]
	kinds = document.status_groups
	category = (
		Case()
		.when(status.isin(statuses_in(document, kinds.won) or [""]), CLOSED)
		.when(status.isin(statuses_in(document, kinds.lost + kinds.closed) or [""]), OMITTED)
		.else_(Coalesce(NullIf(stage[FIELD], ""), PIPELINE))
	)
	frappe.qb.update(table).join(stage, how=JoinType.left).on(
		stage.name == table[document.stage.fieldname]
	).set(Qualified(table[FIELD]), category).where(Coalesce(table[FIELD], "") == "").run()
