"""A Quotation declared Lost: its opportunity is lost for the same reasons, to the same competitors."""

import frappe

from opportunity_pipeline.quotation.status_sync import linked_opportunities


def complete_losses_declared_on(quotation):
	"""Quotation on_update_after_submit. At the moment a Quotation is declared Lost (ERPNext has just made
	its opportunities Lost), they get the same reasons and competitors. ERPNext sets the quotation's status
	with db_set before that save, so the declaration shows as reasons appearing; any later edit of the lost
	quotation changes no opportunity."""
	before = quotation.get_doc_before_save()
	declared_now = (
		quotation.status == "Lost" and quotation.lost_reasons and not (before and before.get("lost_reasons"))
	)
	if declared_now:
		for opportunity in linked_opportunities(quotation):
			carry_loss_over(quotation, opportunity)


def carry_loss_over(quotation, opportunity: str):
	"""ERPNext's Quotation.declare_enquiry_lost has already set the opportunity Lost (with db_set, as
	the quotation's user, who needs no right on Opportunity for it); the app completes that loss the
	same way. Only an opportunity ERPNext left Lost is completed: one that is Converted, or was reopened,
	is never made Lost here. The loss's reasons, competitors and date are derived from the quotation the
	user was allowed to declare lost, so they are written without the Opportunity write right, as
	ERPNext writes the status."""
	if frappe.db.get_value("Opportunity", opportunity, "status") != "Lost":
		return
	reasons = list(dict.fromkeys(row.lost_reason for row in quotation.lost_reasons if row.lost_reason))
	for reason in reasons:
		# Opportunity Lost Reasons are their own master: a quotation's reason missing there is added.
		if not frappe.db.exists("Opportunity Lost Reason", reason):
			frappe.get_doc({"doctype": "Opportunity Lost Reason", "lost_reason": reason}).insert(
				ignore_permissions=True
			)
	competitors = list(dict.fromkeys(row.competitor for row in quotation.competitors if row.competitor))
	_replace_rows(opportunity, "lost_reasons", "Opportunity Lost Reason Detail", "lost_reason", reasons)
	_replace_rows(opportunity, "competitors", "Competitor Detail", "competitor", competitors)
	# The losses summary's month was marked when ERPNext's db_set made it Lost (Opportunity on_change),
	# and nothing reads it before these rows are written in the same transaction.
	frappe.db.set_value("Opportunity", opportunity, "order_lost_reason", quotation.order_lost_reason)


def _replace_rows(opportunity: str, parentfield: str, doctype: str, fieldname: str, values: list[str]):
	frappe.db.delete(
		doctype, {"parent": opportunity, "parenttype": "Opportunity", "parentfield": parentfield}
	)
	for idx, value in enumerate(values, start=1):
		frappe.get_doc(
			{
				"doctype": doctype,
				"parent": opportunity,
				"parenttype": "Opportunity",
				"parentfield": parentfield,
				"idx": idx,
				fieldname: value,
			}
		).db_insert()
