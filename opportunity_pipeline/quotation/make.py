"""Create ▸ Quotation / Supplier Quotation: ERPNext's mappers, called, then the app's mapping."""

import frappe
from frappe import _

from erpnext.crm.doctype.opportunity.opportunity import make_quotation as erpnext_make_quotation
from erpnext.crm.doctype.opportunity.opportunity import (
	make_supplier_quotation as erpnext_make_supplier_quotation,
)

from opportunity_pipeline.quotation.mapping import (
	QUOTATION,
	SUPPLIER_QUOTATION,
	order_type_for,
	values_to_set,
)
from opportunity_pipeline.validation import existing, parse_dict


@frappe.whitelist()
def make_quotation(source_name: str, target_doc=None):
	"""Create ▸ Quotation: ERPNext's own mapper (its exchange rate, default taxes, totals), then the
	app's mapping on top, and the order type named like the opportunity type."""
	target_doc = _checked(source_name, "Quotation", target_doc)
	quotation = erpnext_make_quotation(source_name, target_doc)
	opportunity = frappe.get_doc("Opportunity", source_name)
	if _apply_mapping(opportunity, quotation, QUOTATION):
		quotation.run_method("calculate_taxes_and_totals")
	order_types = (frappe.get_meta("Quotation").get_field("order_type").options or "").split("\n")
	if order_type := order_type_for(opportunity.opportunity_type, order_types):
		quotation.order_type = order_type
	return quotation


@frappe.whitelist()
def make_supplier_quotation(source_name: str, target_doc=None):
	"""Create ▸ Supplier Quotation: ERPNext's own mapper, then the app's mapping; the user picks the
	supplier."""
	target_doc = _checked(source_name, "Supplier Quotation", target_doc)
	supplier_quotation = erpnext_make_supplier_quotation(source_name, target_doc)
	_apply_mapping(frappe.get_doc("Opportunity", source_name), supplier_quotation, SUPPLIER_QUOTATION)
	return supplier_quotation


def _checked(opportunity, target_doctype: str, target_doc):
	"""The caller may read the opportunity and create the target; a target given is one of that DocType."""
	existing("Opportunity", opportunity, _("Opportunity"))
	frappe.has_permission("Opportunity", "read", opportunity, throw=True)
	frappe.has_permission(target_doctype, "create", throw=True)
	if target_doc in (None, ""):
		return None
	target = target_doc.as_dict() if hasattr(target_doc, "as_dict") else parse_dict(target_doc, _("Target"))
	if not isinstance(target, dict) or target.get("doctype") != target_doctype:
		frappe.throw(_("The target must be a {0}.").format(_(target_doctype)))
	return target_doc if hasattr(target_doc, "as_dict") else frappe.as_json(target)


def _apply_mapping(opportunity, target, mapping: dict) -> bool:
	"""Set what the app's mapping adds to ERPNext's, on the document and its items (in the order ERPNext
	mapped them). True when an item changed, so that totals are computed again."""
	target.update(_values(opportunity, target, mapping["Opportunity"]["field_map"]))
	items_changed = False
	for source_row, target_row in zip(
		opportunity.get("items") or [], target.get("items") or [], strict=False
	):
		if values := _values(source_row, target_row, mapping["Opportunity Item"]["field_map"]):
			target_row.update(values)
			items_changed = True
	return items_changed


def _values(source, target, field_map) -> dict:
	"""The mapping's values for `target`, on the fields its DocType has in this version."""
	pairs = [
		(source_field, target_field)
		for source_field, target_field in field_map
		if target.meta.has_field(target_field)
	]
	return values_to_set(source.as_dict(), target.as_dict(), pairs)
