import frappe
from frappe import _
from frappe.model.mapper import get_mapped_doc

from erpnext.controllers.accounts_controller import get_default_taxes_and_charges
from erpnext.setup.utils import get_exchange_rate

from opportunity_pipeline.pipeline.mappings import QUOTATION, SUPPLIER_QUOTATION, order_type_for
from opportunity_pipeline.validation import existing, parse_dict


@frappe.whitelist()
def make_quotation(source_name: str, target_doc=None):
	"""Create ▸ Quotation: the customer's offer from the opportunity, with or without items."""
	target_doc = _checked(source_name, "Quotation", target_doc)
	return get_mapped_doc("Opportunity", source_name, _mapping(QUOTATION), target_doc, _complete_quotation)


@frappe.whitelist()
def make_supplier_quotation(source_name: str, target_doc=None):
	"""Create ▸ Supplier Quotation: the supplier's prices behind the offer; the user picks the supplier."""
	target_doc = _checked(source_name, "Supplier Quotation", target_doc)
	return get_mapped_doc("Opportunity", source_name, _mapping(SUPPLIER_QUOTATION), target_doc)


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


def _mapping(mapping: dict) -> dict:
	"""get_mapped_doc edits the dicts it is given: each call gets its own copy of the data."""
	return {
		source: {**table, "field_map": [list(pair) for pair in table["field_map"]]}
		for source, table in mapping.items()
	}


def _complete_quotation(source, target):
	order_types = (frappe.get_meta("Quotation").get_field("order_type").options or "").split("\n")
	if order_type := order_type_for(source.opportunity_type, order_types):
		target.order_type = order_type

	company_currency = frappe.get_cached_value("Company", target.company, "default_currency")
	target.conversion_rate = (
		1
		if target.currency == company_currency
		else get_exchange_rate(target.currency, company_currency, target.transaction_date, args="for_selling")
	)
	taxes = get_default_taxes_and_charges("Sales Taxes and Charges Template", company=target.company)
	if taxes.get("taxes"):
		target.update(taxes)
	target.run_method("set_missing_values")
	target.run_method("calculate_taxes_and_totals")
