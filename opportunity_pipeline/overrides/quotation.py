"""doc_events of ERPNext's Quotation: keep the opportunity's status in step where ERPNext does not."""

import frappe


def on_cancel(doc, method=None):
	"""ERPNext reopens the opportunity on any cancellation; another active Quotation keeps it in Quotation."""
	for opportunity in _opportunities(doc):
		opp = frappe.get_doc("Opportunity", opportunity)
		if opp.status == "Open" and opp.has_active_quotation():
			opp.set_status(status="Quotation", update=True)


def on_update_after_submit(doc, method=None):
	"""A Quotation declared Lost makes its opportunity Lost with the same reasons and competitors."""
	if doc.status != "Lost" or not doc.lost_reasons:
		return
	for opportunity in _opportunities(doc):
		carry_loss_over(doc, frappe.get_doc("Opportunity", opportunity))


def carry_loss_over(quotation, opportunity):
	"""Opportunity Lost Reasons are their own master: a quotation's reason missing there is added."""
	reasons = [row.lost_reason for row in quotation.lost_reasons]
	for reason in reasons:
		if not frappe.db.exists("Opportunity Lost Reason", reason):
			frappe.get_doc({"doctype": "Opportunity Lost Reason", "lost_reason": reason}).insert()
	opportunity.set("lost_reasons", [{"lost_reason": reason} for reason in reasons])
	opportunity.set("competitors", [{"competitor": row.competitor} for row in quotation.competitors])
	opportunity.order_lost_reason = quotation.order_lost_reason
	opportunity.status = "Lost"
	opportunity.save()


def _opportunities(quotation) -> set[str]:
	linked = {row.prevdoc_docname for row in quotation.items if row.prevdoc_doctype == "Opportunity"}
	if quotation.opportunity:
		linked.add(quotation.opportunity)
	return {name for name in linked if name}
