"""Query pieces the app's reports share."""

from datetime import timedelta

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Coalesce
from frappe.utils import add_months, getdate, today

from opportunity_pipeline.pipeline_document import OPPORTUNITY, PipelineDocument
from opportunity_pipeline.validation import (
	company_for_user,
	date_value,
	existing,
	parse_dict,
	text_value,
)

# The longest date range each report answers, in months: the widest a user may ask is answered within
# 2 s on 1,000,000 opportunities, for a restricted user too (benchmarks/worst_inputs.py measures each
# at its limit). Wider ones are refused with a message that says the limit.
LONGEST_RANGE_MONTHS = {
	"Lost Opportunity Analysis": 60,
	"Opportunity Pipeline Forecast": 24,
	"Win Probability Calibration": 36,
	"Pipeline Movement": 1,
	"Forecast Accuracy": 12,
	"Stage Velocity": 3,
	"Follow-up Discipline": 1,
}


def amount_in_company_currency(opportunity=None, document: PipelineDocument = OPPORTUNITY):
	"""The declared amount x exchange rate (on Opportunity opportunity_amount x conversion_rate: ERPNext's
	server code never fills base_opportunity_amount, only its form script does, so it cannot be trusted
	for opportunities made by API or import)."""
	opportunity = opportunity or frappe.qb.DocType(document.doctype)
	rate = opportunity[document.exchange_rate_field]
	return Coalesce(opportunity[document.amount_field], 0) * Case().when(rate > 0, rate).else_(1)


def narrowed(condition, filters, fieldnames, readable, table=None, fields: dict | None = None):
	"""`condition` and, for each of `fieldnames` set in `filters`, that field equal to it, and what the
	user may read (`readable_opportunities()`, None for everything). `fields` maps a filter to the
	table's field where they differ (a deal's owner is deal_owner)."""
	table = table or frappe.qb.DocType("Opportunity")
	for fieldname in fieldnames:
		if filters.get(fieldname):
			condition &= table[(fields or {}).get(fieldname, fieldname)] == text_value(
				filters[fieldname], _(frappe.unscrub(fieldname))
			)
	return condition if readable is None else condition & readable


def opportunity_first(query):
	"""Join in the order written, Opportunity first. MariaDB otherwise starts from the smaller child
	table and looks each parent up by primary key, reading one row of a large Opportunity table per
	child row instead of the app's covering index (about 15 times slower on 1,000,000 opportunities)."""
	if frappe.db.db_type == "mariadb":
		query = query.modifier("STRAIGHT_JOIN")
	return query


def longest_range(report: str) -> timedelta:
	"""The longest range `report` answers, ending at today: LONGEST_RANGE_MONTHS."""
	end = getdate(today())
	return end - add_months(end, -LONGEST_RANGE_MONTHS[report])


def require_company_and_range(filters, from_date, to_date, report: str):
	"""A company the user may see and a date range in order, of at most the report's
	LONGEST_RANGE_MONTHS: from a day to the same day that many months later."""
	if not filters.get("company"):
		frappe.throw(_("Choose a company."))
	company_for_user(filters.company)
	filters.from_date = date_value(from_date, _("From Date"))
	filters.to_date = date_value(to_date, _("To Date"))
	if filters.from_date > filters.to_date:
		frappe.throw(_("From Date must be before To Date."))
	months = LONGEST_RANGE_MONTHS[report]
	if filters.to_date > add_months(filters.from_date, months):
		if months == 1:
			frappe.throw(
				_("{0} covers at most one month at a time: choose a shorter range.").format(_(report))
			)
		frappe.throw(
			_("{0} covers at most {1} months at a time: choose a shorter range.").format(_(report), months)
		)


def choose(filters, fieldname: str, choices, label: str):
	"""A Select filter: its first choice when empty, refused when not one of them."""
	filters[fieldname] = filters.get(fieldname) or choices[0]
	if filters[fieldname] not in choices:
		frappe.throw(_("{0} must be one of {1}.").format(label, ", ".join(choices)))


def chart_filters(chart_name=None, chart=None, filters=None) -> dict:
	"""A dashboard chart source's filters: those sent, else the chart's own (a saved chart by name, or
	the chart document the desk sends while one is being made)."""
	if chart_name:
		chart = frappe.get_doc("Dashboard Chart", existing("Dashboard Chart", chart_name, _("Chart")))
	else:
		chart = frappe._dict(parse_dict(chart, _("Chart")))
	return frappe._dict(parse_dict(filters, _("Filters")) or parse_dict(chart.filters_json, _("Filters")))
