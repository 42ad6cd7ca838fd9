"""doc_events of ERPNext's Sales Order."""

from opportunity_pipeline.quotation.deal_status import move_ordered_deals


def on_submit(doc, method=None):
	move_ordered_deals(doc)
