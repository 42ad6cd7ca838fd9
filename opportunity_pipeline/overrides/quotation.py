"""doc_events of ERPNext's Quotation."""

from opportunity_pipeline.lost.from_quotation import complete_losses_declared_on
from opportunity_pipeline.quotation.deal_status import move_back_unquoted_deals, move_quoted_deals
from opportunity_pipeline.quotation.status_sync import keep_in_quotation


def on_submit(doc, method=None):
	move_quoted_deals(doc)


def on_cancel(doc, method=None):
	keep_in_quotation(doc)
	move_back_unquoted_deals(doc)


def on_update_after_submit(doc, method=None):
	complete_losses_declared_on(doc)
