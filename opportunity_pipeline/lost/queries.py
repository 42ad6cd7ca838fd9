"""Losses counted and valued in SQL, from the opportunities themselves: the Lost Opportunity Analysis reads
them for what its summary does not hold, and the summary is built from them."""

from pypika.terms import ExistsCriterion

import frappe
from frappe.query_builder.functions import Coalesce, Count, Sum

from opportunity_pipeline.pipeline_document import OPPORTUNITY
from opportunity_pipeline.reporting.query import amount_in_company_currency, opportunity_first


def opportunity_field(filter_field: str) -> str:
	"""The Opportunity column behind one of the report's filters on this site (ERPNext 16 renamed some)."""
	return OPPORTUNITY.field_on_this_version(filter_field, frappe.get_meta("Opportunity").has_field)


def losses(condition, dimension: str, group_terms: dict):
	"""The grouped query of lost opportunities that meet `condition`: `grp` (the reason, category or
	competitor; "" per opportunity), each of `group_terms` (alias: term), `count` and `amount`.

	An opportunity counts once per group: a reason row counts only when no earlier row of the same
	opportunity has the same group (two reasons of one category count it once there). It reads
	Opportunity through the app's covering index and each reason row through the index on
	(parent, parenttype, lost_reason, idx), so neither table's rows are read."""
	opportunity = frappe.qb.DocType("Opportunity")
	query = frappe.qb.from_(opportunity)
	amount = Sum(amount_in_company_currency(opportunity))
	if dimension == "Opportunity":
		group, count = Coalesce(None, ""), Count(opportunity.name)
	elif dimension == "Competitor":
		competitor = frappe.qb.DocType("Competitor Detail")
		query = query.join(competitor).on(
			(competitor.parent == opportunity.name) & (competitor.parenttype == "Opportunity")
		)
		group, count = competitor.competitor, Count(opportunity.name).distinct()
	else:
		query, group = _reasons(query, opportunity, dimension == "Category")
		count = Count(opportunity.name)
	query = (
		query.select(group.as_("grp"), *(term.as_(alias) for alias, term in group_terms.items()))
		.select(count.as_("count"), amount.as_("amount"))
		.where(condition)
		.groupby(group, *group_terms.values())
	)
	return opportunity_first(query)


def _reasons(query, opportunity, by_category: bool):
	detail = frappe.qb.DocType("Opportunity Lost Reason Detail")
	reason = frappe.qb.DocType("Opportunity Lost Reason")
	earlier = frappe.qb.DocType("Opportunity Lost Reason Detail").as_("earlier")
	earlier_reason = frappe.qb.DocType("Opportunity Lost Reason").as_("earlier_reason")
	group = Coalesce(reason.category, "") if by_category else detail.lost_reason
	same_group_earlier = (
		frappe.qb.from_(earlier)
		.select(1)
		.where(
			(earlier.parent == detail.parent)
			& (earlier.parenttype == "Opportunity")
			& (earlier.idx < detail.idx)
		)
	)
	if by_category:
		same_group_earlier = (
			same_group_earlier.left_join(earlier_reason)
			.on(earlier_reason.name == earlier.lost_reason)
			.where(Coalesce(earlier_reason.category, "") == group)
		)
	else:
		same_group_earlier = same_group_earlier.where(earlier.lost_reason == detail.lost_reason)
	query = (
		query.join(detail)
		.on((detail.parent == opportunity.name) & (detail.parenttype == "Opportunity"))
		.left_join(reason)
		.on(reason.name == detail.lost_reason)
		.where((detail.idx == 1) | ExistsCriterion(same_group_earlier).negate())
	)
	return query, group
