"""The opportunity's status follows its quotations where ERPNext leaves it behind."""

import frappe


def keep_in_quotation(quotation):
	"""Quotation on_cancel: ERPNext reopens the opportunity on any cancellation; another active Quotation
	keeps it in Quotation."""
	for name in linked_opportunities(quotation):
		opportunity = frappe.get_doc("Opportunity", name)
		if opportunity.status == "Open" and opportunity.has_active_quotation():
			opportunity.set_status(status="Quotation", update=True)


def linked_opportunities(quotation) -> set[str]:
	"""The opportunities a quotation came from: its own link and its items' (as ERPNext reads them)."""
	linked = {row.prevdoc_docname for row in quotation.items if row.prevdoc_doctype == "Opportunity"}
	if quotation.opportunity:
		linked.add(quotation.opportunity)
	return {name for name in linked if name}
