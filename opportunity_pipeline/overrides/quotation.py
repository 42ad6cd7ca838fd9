"""doc_events of ERPNext's Quotation: keep the opportunity's status in step where ERPNext does not."""

import frappe

from opportunity_pipeline.lost.from_quotation import carry_loss_over


def on_cancel(doc, method=None):
	"""ERPNext reopens the opportunity on any cancellation; another active Quotation keeps it in Quotation."""
	for opportunity in linked_opportunities(doc):
		opp = frappe.get_doc("Opportunity", opportunity)
		if opp.status == "Open" and opp.has_active_quotation():
			opp.set_status(status="Quotation", update=True)


def on_update_after_submit(doc, method=None):
	"""The moment a Quotation is declared Lost (ERPNext has just made its opportunities Lost), they get
	the same reasons and competitors. Any later edit of the lost quotation changes no opportunity."""
	before = doc.get_doc_before_save()
	declared_now = doc.status == "Lost" and doc.lost_reasons and not (before and before.get("lost_reasons"))
	if declared_now:
		for opportunity in linked_opportunities(doc):
			carry_loss_over(doc, opportunity)


def linked_opportunities(quotation) -> set[str]:
	linked = {row.prevdoc_docname for row in quotation.items if row.prevdoc_doctype == "Opportunity"}
	if quotation.opportunity:
		linked.add(quotation.opportunity)
	return {name for name in linked if name}
