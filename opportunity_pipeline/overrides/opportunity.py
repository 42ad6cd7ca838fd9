"""doc_events of ERPNext's Opportunity."""

import frappe

from opportunity_pipeline.crm_move.marks import show_moved_deal
from opportunity_pipeline.derived_fields import derived_values
from opportunity_pipeline.follow_up.assignment import adopt_new_assignee
from opportunity_pipeline.follow_up.event import (
	delete_follow_up_event,
	sync_follow_up_event,
	validate_follow_up,
)
from opportunity_pipeline.forecast.conversion import stamp_conversion
from opportunity_pipeline.forecast_category.category import apply_forecast_category, keep_category_in_step
from opportunity_pipeline.lost.loss import stamp_loss, validate_loss
from opportunity_pipeline.lost.summary import mark_opportunity
from opportunity_pipeline.pipeline_health.settings import validate_snooze
from opportunity_pipeline.pipeline_health.stalled import refresh_opportunity
from opportunity_pipeline.pipeline_history.record import close_history, record_document
from opportunity_pipeline.win_probability.apply import apply_probability

PARTIES_CONVERTED_BY_A_USER = ("Lead", "Prospect")


def onload(doc, method=None):
	show_moved_deal(doc)


def before_insert(doc, method=None):
	if doc.opportunity_from in PARTIES_CONVERTED_BY_A_USER and not doc.get("converted_by"):
		doc.converted_by = frappe.session.user


def validate(doc, method=None):
	keep_derived_fields(doc)
	validate_follow_up(doc)
	validate_loss(doc)
	validate_snooze(doc)
	apply_probability(doc)
	apply_forecast_category(doc)


def on_change(doc, method=None):
	"""Runs after every save and every db_set, so status changes made by ERPNext's Quotation reach the Event.
	Frappe also runs it while deleting, after on_trash: nothing is left to keep in step then."""
	if doc.flags.in_delete:
		return
	adopt_new_assignee(doc)
	sync_follow_up_event(doc)
	stamp_conversion(doc)
	stamp_loss(doc)
	keep_category_in_step(doc)
	mark_opportunity(doc)
	record_document(doc)
	refresh_opportunity(doc)


def keep_derived_fields(doc):
	"""Whatever a client sent (form, frappe.client, REST, data import), the fields the app derives keep
	their stored values; the steps below then fill them."""
	doc.update(derived_values(doc.get_doc_before_save()))


def on_trash(doc, method=None):
	delete_follow_up_event(doc)
	mark_opportunity(doc)
	close_history(doc)
