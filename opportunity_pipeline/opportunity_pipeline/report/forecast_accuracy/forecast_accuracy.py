"""How accurate the forecast was: for each month, the weighted pipeline expected to close in it as it stood
N weeks before it began (from the pipeline history), next to what was won in it (Converted On, amount in
company currency); the error per month, per owner and overall, with the bias and the weighted absolute
error. Document Type: CRM Deal reads Frappe CRM's deals' history, and what was won in a month by when the
deal's won status began in its status log."""

from datetime import datetime, time, timedelta

from pypika.terms import ValueWrapper

import frappe
from frappe import _
from frappe.query_builder.functions import Sum
from frappe.utils import add_months, get_last_day, getdate, today

from opportunity_pipeline.document_types import base_currency, chosen
from opportunity_pipeline.opportunity_pipeline.doctype.opportunity_pipeline_state.opportunity_pipeline_state import (
	BY_EXPECTED_CLOSING,
)
from opportunity_pipeline.permissions import join_readable, readable_condition
from opportunity_pipeline.pipeline_history.as_of import open_states
from opportunity_pipeline.pipeline_history.record import STATE
from opportunity_pipeline.pipeline_history.rules import accuracy, overall_accuracy
from opportunity_pipeline.reporting.periods import month_start, periods_between
from opportunity_pipeline.reporting.query import (
	choose,
	require_company_and_range,
)
from opportunity_pipeline.reporting.wins import won_by_month_and_owner
from opportunity_pipeline.sql import force_index

WEEKS = ("4", "1", "13")
GROUPINGS = ("", "Opportunity Owner")


def execute(filters=None):
	filters = _checked(frappe._dict(filters or {}))
	readable = readable_condition(filters.document.doctype)
	months = [
		datetime(year, month, 1).date()
		for year, month in periods_between(filters.from_date, filters.to_date, "Monthly")
	]
	forecast = _forecast(filters, months, readable)
	actual = _actual(filters, readable)
	currency = base_currency(filters.document, filters.company)
	keys = set(forecast) | set(actual)
	if not filters.group_by:  # every month, those with nothing forecast or won too
		keys |= {(month, None) for month in months}
	keys = sorted(keys, key=lambda key: (key[0], key[1] or ""))
	rows = []
	for month, owner in keys:
		figures = accuracy(forecast.get((month, owner), 0.0), actual.get((month, owner), 0.0))
		rows.append({"month": month.strftime("%Y-%m"), "owner": owner, "currency": currency, **figures})
	overall = overall_accuracy(rows)
	return _columns(filters), rows, None, _chart(rows, months), _summary(overall, currency)


def _checked(filters):
	last_month = month_start(getdate(add_months(today(), -1)))
	from_date = month_start(getdate(filters.get("from_date") or add_months(last_month, -11)))
	require_company_and_range(
		filters, from_date, filters.get("to_date") or get_last_day(last_month), "Forecast Accuracy"
	)
	filters.from_date = month_start(filters.from_date)
	filters.to_date = get_last_day(filters.to_date)
	choose(filters, "weeks", WEEKS, _("Weeks Before"))
	choose(filters, "group_by", GROUPINGS, _("Group By"))
	filters.document = chosen(filters.get("document_type"))
	filters.document_type = filters.document.doctype
	return filters


def _key(month, owner, filters):
	return (month, (owner or "") if filters.group_by else None)


def _forecast(filters, months, readable) -> dict:
	"""(month, owner) -> weighted amount expected to close in the month, as it stood N weeks before it:
	one as-of query per month (each bounded by its own moment), their rows sent as one UNION ALL that is
	narrowed to what the user may read once (permissions.join_readable), not once a month."""
	state = frappe.qb.DocType(STATE)
	parts = None
	for month in months:
		moment = datetime.combine(month - timedelta(weeks=int(filters.weeks)), time.min)
		part = (
			force_index(open_states(moment, filters.company, filters.document), BY_EXPECTED_CLOSING[0])
			.where(state.expected_closing[month : get_last_day(month)])
			.select(
				ValueWrapper(month).as_("month"),
				state.opportunity_owner,
				(state.amount * state.probability / 100).as_("weighted"),
				state.opportunity,
				state.deleted,
			)
		)
		parts = part if parts is None else parts.union_all(part)
	if parts is None:
		return {}
	rows = parts.as_("forecast_rows")
	query = join_readable(frappe.qb.from_(rows), rows, readable, filters.document_type)
	found = {}
	for month, owner, value in (
		query.select(rows.month, rows.opportunity_owner, Sum(rows.weighted))
		.groupby(rows.month, rows.opportunity_owner)
		.run()
	):
		key = _key(getdate(month), owner, filters)
		found[key] = found.get(key, 0.0) + float(value or 0)
	return found


def _actual(filters, readable) -> dict:
	"""(month, owner) -> amount won in the month (reporting.wins)."""
	found = {}
	for (month, owner), amount in won_by_month_and_owner(
		filters.document, filters.company, filters.from_date, filters.to_date, readable
	).items():
		key = _key(month, owner, filters)
		found[key] = found.get(key, 0.0) + amount
	return found


def _columns(filters):
	columns = [{"fieldname": "month", "label": _("Month"), "fieldtype": "Data", "width": 100}]
	if filters.group_by:
		columns.append(
			{
				"fieldname": "owner",
				"label": _("Opportunity Owner"),
				"fieldtype": "Link",
				"options": "User",
				"width": 180,
			}
		)
	columns += [
		{
			"fieldname": "forecast",
			"label": _("Weighted Forecast"),
			"fieldtype": "Currency",
			"options": "currency",
			"width": 150,
		},
		{
			"fieldname": "actual",
			"label": _("Won"),
			"fieldtype": "Currency",
			"options": "currency",
			"width": 150,
		},
		{
			"fieldname": "error",
			"label": _("Error (Forecast - Won)"),
			"fieldtype": "Currency",
			"options": "currency",
			"width": 170,
		},
		{"fieldname": "error_percent", "label": _("Error (% of Won)"), "fieldtype": "Percent", "width": 130},
	]
	return columns


def _chart(rows, months):
	labels = [month.strftime("%Y-%m") for month in months]
	forecast = {label: 0.0 for label in labels}
	actual = {label: 0.0 for label in labels}
	for row in rows:
		forecast[row["month"]] += row["forecast"]
		actual[row["month"]] += row["actual"]
	return {
		"data": {
			"labels": labels,
			"datasets": [
				{"name": _("Weighted Forecast"), "values": [forecast[label] for label in labels]},
				{"name": _("Won"), "values": [actual[label] for label in labels]},
			],
		},
		"type": "bar",
		"fieldtype": "Currency",
	}


def _summary(overall, currency):
	def percent(value):
		return None if value is None else round(value, 1)

	return [
		{
			"label": _("Weighted Forecast"),
			"value": overall["forecast"],
			"datatype": "Currency",
			"currency": currency,
		},
		{"label": _("Won"), "value": overall["actual"], "datatype": "Currency", "currency": currency},
		{
			"label": _("Bias (% of Won)"),
			"value": percent(overall["bias_percent"]),
			"datatype": "Percent",
			"indicator": "Green"
			if overall["bias_percent"] is not None and abs(overall["bias_percent"]) < 10
			else "Orange",
		},
		{
			"label": _("Weighted Absolute Error (% of Won)"),
			"value": percent(overall["absolute_percent"]),
			"datatype": "Percent",
		},
	]
