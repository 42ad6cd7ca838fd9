"""Frappe CRM's deals moved forward by their ERPNext quotations and orders (asked for in crm#2143): a
submitted quotation for a deal moves it to the status FCRM Settings ▸ Pipeline names for a quoted deal, and
a sales order made from such a quotation to the status it names for an ordered one. Forward only (by the
statuses' position), never a deal that has left the pipeline; empty settings, the default, move nothing.
A cancelled quotation moves its deal back to the status it had before it was quoted (its status log), as
ERPNext reopens an opportunity, while it is still at the quoted status and no other submitted quotation
is for it.

A quotation is for a deal when it is made out to it (Quotation To: CRM Deal, as Frappe CRM's ERPNext
integration makes them) or carries it in ERPNext's own `crm_deal` field. The deal is saved as Frappe CRM
saves it (its status log, its activity), with elevated rights as ERPNext moves an opportunity's; but only
a deal the submitting user may read: naming a deal on a quotation is a client's choice, and must not let
a user move deals Frappe CRM hides from them.
"""

import frappe
from frappe import _

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.document_types import is_finished, status_type
from opportunity_pipeline.pipeline_document import CRM_DEAL

SETTINGS = "FCRM Settings"
QUOTED_FIELD = "quoted_deal_status"
ORDERED_FIELD = "ordered_deal_status"


def move_quoted_deals(quotation):
	"""Quotation on_submit."""
	if frappe_crm.installed():
		_move_forward(deals_of(quotation), QUOTED_FIELD)


def move_back_unquoted_deals(quotation):
	"""Quotation on_cancel."""
	if not frappe_crm.installed():
		return
	quoted = frappe.db.get_single_value(SETTINGS, QUOTED_FIELD)
	if not quoted:
		return
	for name in sorted(deals_of(quotation)):
		deal = frappe.get_doc(CRM_DEAL.doctype, name)
		if deal.status != quoted or not deal.has_permission("read"):
			continue
		if other_submitted_quotations(name, quotation.name):
			continue
		if before := status_before(deal, quoted):
			deal.status = before
			deal.flags.ignore_permissions = True
			deal.save()


def status_before(deal, status: str) -> str | None:
	"""The status the deal left for `status` the last time, from its status log; None where the log has
	no such move (a status set without a save)."""
	moves = [row for row in deal.get(CRM_DEAL.status_log.fieldname) or [] if row.get("to") == status]
	return moves[-1].get("from") if moves else None


def other_submitted_quotations(deal: str, quotation: str) -> bool:
	"""Another submitted quotation is for the deal (deals_of's two ways)."""
	table = frappe.qb.DocType("Quotation")
	for_deal = (table.quotation_to == CRM_DEAL.doctype) & (table.party_name == deal)
	if frappe.get_meta("Quotation").has_field("crm_deal"):
		for_deal |= table.crm_deal == deal
	return bool(
		frappe.qb.from_(table)
		.select(table.name)
		.where((table.docstatus == 1) & (table.name != quotation) & for_deal)
		.limit(1)
		.run()
	)


def move_ordered_deals(order):
	"""Sales Order on_submit: the deals of the quotations it was made from."""
	if not frappe_crm.installed():
		return
	quotations = {row.prevdoc_docname for row in order.items if row.get("prevdoc_docname")}
	deals = set()
	for name in quotations:
		if frappe.db.exists("Quotation", name):
			deals |= deals_of(frappe.get_doc("Quotation", name))
	_move_forward(deals, ORDERED_FIELD)


def deals_of(quotation) -> set[str]:
	deals = set()
	if quotation.get("quotation_to") == CRM_DEAL.doctype and quotation.get("party_name"):
		deals.add(quotation.party_name)
	if quotation.get("crm_deal"):
		deals.add(quotation.crm_deal)
	return {name for name in deals if frappe.db.exists(CRM_DEAL.doctype, name)}


def _move_forward(deals: set[str], setting: str):
	target = frappe.db.get_single_value(SETTINGS, setting)
	if not target or not deals:
		return
	order = _positions()
	for name in sorted(deals):
		deal = frappe.get_doc(CRM_DEAL.doctype, name)
		if not deal.has_permission("read"):
			continue
		if is_finished(CRM_DEAL.doctype, deal.status) or order.get(target, 0) <= order.get(deal.status, 0):
			continue
		deal.status = target
		deal.flags.ignore_permissions = True
		deal.save()


def _positions() -> dict[str, int]:
	statuses = CRM_DEAL.stage
	return dict(frappe.get_all(statuses.doctype, fields=["name", CRM_DEAL.stage_order_field], as_list=True))


def validate_settings(settings, method=None):
	"""FCRM Settings validate: a quoted deal stays open; an ordered deal is won."""
	expected = {
		QUOTED_FIELD: (CRM_DEAL.status_groups.open, _("Status of a Deal Quoted"), _("Open or Ongoing")),
		ORDERED_FIELD: (CRM_DEAL.status_groups.won, _("Status of a Deal Ordered"), _("Won")),
	}
	for fieldname, (types, label, named) in expected.items():
		status = settings.get(fieldname)
		if not status:
			continue
		kind = status_type(CRM_DEAL, status)
		if kind not in types:
			frappe.throw(
				_("{0}: {1} is of type {2}; choose a status of type {3}.").format(
					label, frappe.bold(status), _(kind or ""), named
				)
			)
