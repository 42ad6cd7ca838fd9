"""Values of the workspace's pipeline number cards (Number Card type Custom)."""

import frappe
from frappe import _
from frappe.query_builder.functions import Coalesce, Sum

from opportunity_pipeline.permissions import readable_opportunities
from opportunity_pipeline.reporting.query import amount_in_company_currency
from opportunity_pipeline.statuses import OPEN_STATUSES
from opportunity_pipeline.validation import company_for_user, parse_dict


def pipeline_card(filters=None, weighted: bool = False) -> dict:
	"""The open pipeline of one company (the card's filter, else the user's default), in its currency,
	counting only the opportunities the user may read."""
	company = card_company(filters)
	opportunity = frappe.qb.DocType("Opportunity")
	amount = amount_in_company_currency(opportunity)
	if weighted:
		amount = amount * Coalesce(opportunity.probability, 0) / 100
	condition = opportunity.status.isin(OPEN_STATUSES) & (opportunity.company == company)
	if (readable := readable_opportunities()) is not None:
		condition &= readable
	value = frappe.qb.from_(opportunity).select(Sum(amount)).where(condition).run()[0][0] or 0
	return {
		"value": value,
		"fieldtype": "Currency",
		"options": frappe.get_cached_value("Company", company, "default_currency"),
		"route": ["query-report", "Opportunity Pipeline Forecast"],
		"route_options": {"company": company},
	}


def card_company(filters) -> str:
	"""The company of a number card: its filters (an object, or the card's filter rows), else the user's
	default, else the site's; one the user's User Permissions keep them from is refused."""
	filters = parse_dict(filters, _("Filters"), rows_allowed=True)
	if isinstance(filters, list):  # the card's filters_json rows: [doctype, field, operator, value]
		filters = {
			row[1]: row[3]
			for row in filters
			if isinstance(row, list | tuple) and len(row) > 3 and row[2] == "="
		}
	company = filters.get("company") or frappe.defaults.get_user_default("Company")
	company = company or frappe.db.get_single_value("Global Defaults", "default_company")
	if not company:
		frappe.throw(_("Choose a company."))
	return company_for_user(company)


@frappe.whitelist()
def open_pipeline_card(filters=None) -> dict:
	"""Number card: the amount of the open opportunities the user may read, in company currency."""
	return pipeline_card(filters)


@frappe.whitelist()
def weighted_pipeline_card(filters=None) -> dict:
	"""Number card: the same amount weighted by each opportunity's probability."""
	return pipeline_card(filters, weighted=True)
