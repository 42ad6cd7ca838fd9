"""The rules of a loss on the Opportunity, whichever way it is declared (form, API, Quotation), and when
and by whom either document type was lost."""

import frappe
from frappe import _
from frappe.utils import now_datetime

from opportunity_pipeline.document_types import status_type
from opportunity_pipeline.pipeline_document import PIPELINE_DOCUMENTS

LOSS_FIELDS = ("lost_reasons", "competitors", "order_lost_reason", "lost_date", "lost_by")


def validate_loss(doc):
	"""A new loss needs an enabled reason and records when and who; reopening clears the current loss
	(Version history keeps it)."""
	before = doc.get_doc_before_save()
	was_lost = bool(before and before.status == "Lost")
	if doc.status == "Lost":
		if not was_lost and not doc.get("lost_reasons"):
			frappe.throw(
				_("Give at least one reason for losing the opportunity."), title=_("Lost Reason Required")
			)
		_drop_repeated_reasons(doc)
		_refuse_disabled_reasons(doc, before)
		doc.update(loss_stamp(doc))
	elif was_lost:
		for field in LOSS_FIELDS:
			doc.set(field, [] if field in ("lost_reasons", "competitors") else None)


def _drop_repeated_reasons(doc):
	"""A reason given twice is one reason: the analysis counts each loss once per reason."""
	seen = set()
	for row in list(doc.get("lost_reasons", [])):
		if row.lost_reason in seen:
			doc.remove(row)
		seen.add(row.lost_reason)
	for index, row in enumerate(doc.get("lost_reasons", []), start=1):
		row.idx = index


def _refuse_disabled_reasons(doc, before):
	kept = {row.lost_reason for row in before.get("lost_reasons", [])} if before else set()
	chosen = {row.lost_reason for row in doc.get("lost_reasons", [])} - kept
	if chosen and (
		disabled := frappe.get_all(
			"Opportunity Lost Reason", filters={"name": ("in", list(chosen)), "disabled": 1}, pluck="name"
		)
	):
		frappe.throw(
			_("These lost reasons are disabled: {0}").format(
				", ".join(frappe.bold(name) for name in disabled)
			)
		)


def loss_stamp(doc) -> dict:
	"""The loss's date and author as the document's status asks, where they differ from its own: set when
	it becomes lost (now, by the session user), kept while it stays lost, emptied once it is not."""
	document = PIPELINE_DOCUMENTS[doc.doctype]
	lost = status_type(document, doc.get(document.status_field)) in document.status_groups.lost
	if lost and not doc.get("lost_date"):
		return {"lost_date": now_datetime(), "lost_by": frappe.session.user}
	if not lost and (doc.get("lost_date") or doc.get("lost_by")):
		return {"lost_date": None, "lost_by": None}
	return {}


def stamp_loss(doc):
	"""on_change of either type, which also runs after db_set: ERPNext makes an opportunity Lost from its
	Quotation that way, without a save, and Frappe CRM sets a deal's status so too. Written with
	set_value, so no on_change runs again."""
	if values := loss_stamp(doc):
		frappe.db.set_value(doc.doctype, doc.name, values, update_modified=False)
		doc.update(values)
