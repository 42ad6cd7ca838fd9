"""The forecast a sales manager runs the week on (issue #30), per sales person and period of a fiscal
year: the quota (their Sales Person targets), what they won (bookings), what their opportunities won
(Closed), their open pipeline by forecast category (Commit, Best Case, Pipeline) and its coverage of the
quota still to reach, their submitted forecasts and each one's error against what closed; each manager's
row holds the people under them in the Sales Person tree. Only the sales people, bookings and
opportunities the user may read are counted."""

import frappe
from frappe import _
from frappe.utils import getdate

from erpnext.accounts.report.financial_statements import get_period_list

from opportunity_pipeline.document_types import base_currency, chosen
from opportunity_pipeline.opportunity_pipeline.doctype.sales_forecast.sales_forecast import latest_forecasts
from opportunity_pipeline.reporting.query import choose
from opportunity_pipeline.team_forecast import figures
from opportunity_pipeline.team_forecast.rules import (
	coverage,
	forecast_bias,
	forecast_calls,
	forecast_error,
	merged,
	rolled_up,
)
from opportunity_pipeline.team_forecast.settings import attainment_from
from opportunity_pipeline.validation import company_for_user

PERIODICITIES = ("Quarterly", "Monthly")
BOOKINGS_FROM = tuple(figures.BOOKINGS)
# Each period's amounts; coverage is worked out from them and the weighted pipeline.
AMOUNTS = ("quota", "won", "closed", "commit", "best_case", "pipeline", "called_commit", "called_best_case")


def _labels() -> dict:
	"""Each column's label for a period ({0}), in the user's language."""
	return {
		"quota": _("{0} Quota"),
		"won": _("{0} Won"),
		"closed": _("{0} Closed"),
		"commit": _("{0} Commit"),
		"best_case": _("{0} Best Case"),
		"pipeline": _("{0} Pipeline"),
		"called_commit": _("{0} Submitted Commit"),
		"called_best_case": _("{0} Submitted Best Case"),
		"coverage": _("{0} Coverage"),
		"error": _("{0} Forecast Error"),
	}


def execute(filters=None):
	filters = _checked(frappe._dict(filters or {}))
	document = chosen(filters.get("document_type"))
	periods = get_period_list(
		filters.fiscal_year,
		filters.fiscal_year,
		"",
		"",
		"Fiscal Year",
		filters.periodicity,
		company=filters.company,
	)
	people = figures.sales_people()
	by_user = figures.people_by_user(people)
	own = merged(
		figures.quotas(people, filters.fiscal_year, periods, filters.periodicity),
		figures.bookings(people, filters.company, periods, filters.bookings_from),
		figures.pipeline(document, by_user, filters.company, periods),
		figures.closed(document, by_user, filters.company, periods),
	)
	totals = rolled_up([(p.name, p.lft, p.rgt) for p in people], own)
	_add_forecast_calls(totals, people, filters, periods)
	rows = _rows(people, totals, periods)
	currency = base_currency(document, filters.company)
	return _columns(periods, currency), rows, None, _chart(rows, periods, currency)


def _add_forecast_calls(totals: dict, people, filters, periods):
	"""Each person's submitted forecast per period: their latest, else their team's calls added up
	(team_forecast.rules.forecast_calls)."""
	latest = latest_forecasts(
		[p.name for p in people], filters.company, filters.periodicity, [p.from_date for p in periods]
	)
	tree = [(p.name, p.parent_sales_person) for p in people]
	for period in periods:
		start = getdate(period.from_date)
		calls = forecast_calls(
			tree, {name: amounts for (name, from_date), amounts in latest.items() if from_date == start}
		)
		for name, call in calls.items():
			if call is not None:
				figures_ = totals.setdefault(name, {})
				figures_[(period.key, "called_commit")], figures_[(period.key, "called_best_case")] = call


def _checked(filters):
	if not filters.get("company"):
		frappe.throw(_("Choose a company."))
	if not filters.get("fiscal_year"):
		frappe.throw(_("Choose a fiscal year."))
	company_for_user(filters.company)
	choose(filters, "periodicity", PERIODICITIES, _("Periodicity"))
	filters.bookings_from = filters.get("bookings_from") or attainment_from()
	choose(filters, "bookings_from", BOOKINGS_FROM, _("Bookings From"))
	return filters


def _rows(people, totals, periods) -> list[dict]:
	rows, above = [], []
	for person in people:
		while above and above[-1] < person.lft:
			above.pop()
		figures_ = totals.get(person.name, {})
		row = {
			"sales_person": person.name,
			"parent_sales_person": person.parent_sales_person,
			"indent": len(above),
		}
		year = dict.fromkeys((*AMOUNTS, "weighted"), 0.0)
		errors = []
		for period in periods:
			for measure in year:
				amount = figures_.get((period.key, measure), 0.0)
				row[f"{period.key}_{measure}"] = amount
				year[measure] += amount
			row[f"{period.key}_coverage"] = _coverage(row, period.key)
			error = forecast_error(
				figures_.get((period.key, "called_commit")),
				row[f"{period.key}_closed"],
				ended=getdate(period.to_date) < getdate(),
			)
			row[f"{period.key}_error"] = error
			if error is not None:
				errors.append((error, row[f"{period.key}_closed"]))
		for measure, amount in year.items():
			row[f"total_{measure}"] = amount
		row["total_error"] = sum(error for error, _won in errors) if errors else None
		row["total_bias"] = forecast_bias(errors)
		row["total_coverage"] = _coverage(row, "total")
		rows.append(row)
		above.append(person.rgt)
	return rows


def _coverage(row, key) -> float | None:
	return coverage(row[f"{key}_weighted"], row[f"{key}_quota"], row[f"{key}_won"])


def _columns(periods, currency) -> list[dict]:
	columns = [
		{
			"fieldname": "sales_person",
			"label": _("Sales Person"),
			"fieldtype": "Link",
			"options": "Sales Person",
			"width": 200,
		}
	]
	labels = _labels()
	for key, label in [*((period.key, period.label) for period in periods), ("total", _("Year"))]:
		for measure in AMOUNTS:
			columns.append(
				{
					"fieldname": f"{key}_{measure}",
					"label": labels[measure].format(label),
					"fieldtype": "Currency",
					"options": currency,
					"width": 120,
				}
			)
		columns.append(
			{
				"fieldname": f"{key}_coverage",
				"label": labels["coverage"].format(label),
				"fieldtype": "Float",
				"precision": 2,
				"width": 100,
			}
		)
		columns.append(
			{
				"fieldname": f"{key}_error",
				"label": labels["error"].format(label),
				"fieldtype": "Currency",
				"options": currency,
				"width": 120,
			}
		)
	columns.append(
		{"fieldname": "total_bias", "label": _("Forecast Bias"), "fieldtype": "Percent", "width": 100}
	)
	return columns


def _chart(rows, periods, currency) -> dict | None:
	"""The top of the tree (everyone the user may read, rolled up) per period: quota, won and commit."""
	top = [row for row in rows if row["indent"] == 0]
	if not top:
		return None

	def summed(measure):
		return [sum(row[f"{period.key}_{measure}"] for row in top) for period in periods]

	return {
		"data": {
			"labels": [period.label for period in periods],
			"datasets": [
				{"name": _("Quota"), "values": summed("quota")},
				{"name": _("Won"), "values": summed("won")},
				{"name": _("Commit"), "values": summed("commit")},
			],
		},
		"type": "bar",
		"fieldtype": "Currency",
		"options": currency,
	}
