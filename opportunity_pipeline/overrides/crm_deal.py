"""doc_events of Frappe CRM's CRM Deal (registered always; they run only where Frappe CRM is installed)."""

from opportunity_pipeline.derived_fields import DEAL_DERIVED_FIELDS, derived_values
from opportunity_pipeline.follow_up.event import (
	delete_follow_up_event,
	sync_follow_up_event,
	validate_follow_up,
)
from opportunity_pipeline.follow_up.task import delete_follow_up_task, sync_follow_up_task
from opportunity_pipeline.forecast_category.category import apply_forecast_category, keep_category_in_step
from opportunity_pipeline.lost.loss import loss_stamp, stamp_loss
from opportunity_pipeline.pipeline_health.deals import refresh_deal
from opportunity_pipeline.pipeline_history.record import close_history, record_document
from opportunity_pipeline.win_probability.apply import apply_probability, note_probability_sent


def before_validate(doc, method=None):
	doc.flags.pipeline_validating = True
	note_probability_sent(doc)


def validate(doc, method=None):
	keep_derived_fields(doc)
	validate_follow_up(doc)
	apply_probability(doc)
	apply_forecast_category(doc)
	doc.update(loss_stamp(doc))


def before_save(doc, method=None):
	doc.flags.pipeline_validating = False


def on_change(doc, method=None):
	"""After every save and db_set (Frappe CRM's own code sets a deal's status with db_set too). Not for
	the db_set Frappe CRM's validate makes (the exchange rate), on a deal a new one not yet written: the
	save's own on_change follows."""
	if doc.flags.in_delete or doc.flags.pipeline_validating:
		return
	sync_follow_up_event(doc)
	sync_follow_up_task(doc)
	keep_category_in_step(doc)
	stamp_loss(doc)
	record_document(doc)
	refresh_deal(doc)


def keep_derived_fields(doc):
	"""Whatever a client sent (Frappe CRM's UI, frappe.client, REST, import), the fields the app derives
	keep their stored values; the steps above then fill them."""
	doc.update(derived_values(doc.get_doc_before_save(), DEAL_DERIVED_FIELDS))


def on_trash(doc, method=None):
	delete_follow_up_event(doc)
	delete_follow_up_task(doc)
	close_history(doc)
