"""Dashboard chart source: the last twelve months' losses per reason (or category), from the Lost
Opportunity Analysis report, so the chart and the report always agree and respect the same permissions. Not Frappe's cache_source:
it keeps one result per chart for every user, which would show one user's counts to another."""

import frappe
from frappe import _
from frappe.utils import add_months, nowdate

from opportunity_pipeline.opportunity_pipeline.report.lost_opportunity_analysis.lost_opportunity_analysis import (
	execute,
)
from opportunity_pipeline.reporting.query import chart_filters


@frappe.whitelist()
def get(chart_name=None, chart=None, no_cache=None, filters=None, **kwargs):
	filters = chart_filters(chart_name, chart, filters)
	today = nowdate()
	_columns, rows, *_rest = execute(
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
		"datasets": [{"name": _("Losses"), "values": [row.get("total_count", 0) for row in rows]}],
	}
