"""Dashboard chart source: open opportunities per sales stage, in stage order, counted over what the user
may read. Not Frappe's Group By chart: its cache keeps one result per chart for every user."""

import frappe
from frappe import _
from frappe.query_builder.functions import Coalesce, Count

from opportunity_pipeline.forecast.stages import ordered_stages
from opportunity_pipeline.permissions import readable_opportunities
from opportunity_pipeline.reporting.query import chart_filters
from opportunity_pipeline.statuses import OPEN_STATUSES
from opportunity_pipeline.validation import company_for_user


@frappe.whitelist()
def get(chart_name=None, chart=None, no_cache=None, filters=None, **kwargs):
	filters = chart_filters(chart_name, chart, filters)
	company = filters.get("company") or frappe.defaults.get_user_default("Company")
	if not company:
		frappe.throw(_("Choose a company."))
	company_for_user(company)

	opportunity = frappe.qb.DocType("Opportunity")
	stage = Coalesce(opportunity.sales_stage, "")
	condition = opportunity.status.isin(OPEN_STATUSES) & (opportunity.company == company)
	if (readable := readable_opportunities()) is not None:
		condition &= readable
	counts = dict(
		frappe.qb.from_(opportunity)
		.select(stage, Count(opportunity.name))
		.where(condition)
		.groupby(stage)
		.run()
	)
	stages = [name for name in ordered_stages() if counts.get(name)]
	if counts.get(""):
		stages.append("")
	return {
		"labels": [name or _("Not Set") for name in stages],
		"datasets": [{"name": _("Open Opportunities"), "values": [counts[name] for name in stages]}],
	}
