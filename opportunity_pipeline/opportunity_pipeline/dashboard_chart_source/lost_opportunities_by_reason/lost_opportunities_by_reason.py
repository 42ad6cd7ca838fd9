"""Dashboard chart source: the last twelve months' losses per reason (or category), from the Lost
Opportunity Analysis report, so the chart and the report always agree and respect the same permissions."""

import frappe
from frappe.utils import add_months, nowdate
from frappe.utils.dashboard import cache_source

from opportunity_pipeline.opportunity_pipeline.report.lost_opportunity_analysis.lost_opportunity_analysis import (
	execute,
)


@frappe.whitelist()
@cache_source
def get(chart_name=None, chart=None, no_cache=None, filters=None, **_):
	chart = (
		frappe.get_doc("Dashboard Chart", chart_name)
		if chart_name
		else frappe._dict(frappe.parse_json(chart))
	)
	filters = frappe._dict(frappe.parse_json(filters) or frappe.parse_json(chart.filters_json) or {})
	today = nowdate()
	_, rows, *_ = execute(
		{
			"company": filters.get("company") or frappe.defaults.get_user_default("Company"),
			"from_date": filters.get("from_date") or add_months(today, -12),
			"to_date": filters.get("to_date") or today,
			"group_by": filters.get("group_by") or "Reason",
			"periodicity": "Yearly",
		}
	)
	return {
		"labels": [row["group"] for row in rows],
		"datasets": [{"name": frappe._("Losses"), "values": [row.get("total_count", 0) for row in rows]}],
	}
