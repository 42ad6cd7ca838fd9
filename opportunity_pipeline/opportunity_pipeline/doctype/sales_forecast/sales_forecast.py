"""A sales person's forecast for one period of a fiscal year (issue #30), submitted and kept as made: the
Forecast Grid reads each person's latest, and a manager's forecast for their own Sales Person is their
call over their team. What the pipeline and the team said when it was made is filled by the app. Named
at random: a series would hand a deleted (cancelled) forecast's name, and the timeline Frappe keeps under
it, to the next one."""

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt, getdate

from erpnext.accounts.report.financial_statements import get_period_list

from opportunity_pipeline.document_types import base_currency, chosen
from opportunity_pipeline.team_forecast import figures
from opportunity_pipeline.team_forecast.rules import forecast_calls, merged, rolled_up


class SalesForecast(Document):
	def validate(self):
		period = self.period()
		self.to_date = period.to_date
		person = frappe.get_doc("Sales Person", self.sales_person)
		team = _team(person)
		self.for_team = int(bool(person.is_group))
		self.currency = base_currency(chosen(None), self.company)
		pipeline = _pipeline(team, self.company, period)
		self.pipeline_closed = pipeline.get((period.key, "closed"), 0)
		self.pipeline_commit = pipeline.get((period.key, "commit"), 0)
		self.pipeline_best_case = pipeline.get((period.key, "best_case"), 0)
		self.pipeline_weighted = pipeline.get((period.key, "weighted"), 0)
		call = _team_call(team, self.company, self.periodicity, self.from_date) if self.for_team else None
		self.team_commit, self.team_best_case = call or (0, 0)
		if self.commit_amount in (None, ""):
			self.commit_amount = call[0] if call else self.pipeline_closed + self.pipeline_commit
		if self.best_case_amount in (None, ""):
			self.best_case_amount = call[1] if call else flt(self.commit_amount) + self.pipeline_best_case
		if flt(self.commit_amount) < 0 or flt(self.best_case_amount) < 0:
			frappe.throw(_("A forecast cannot be negative."))
		if flt(self.best_case_amount) < flt(self.commit_amount):
			frappe.throw(_("Best Case cannot be less than Commit: it is what may be won at best."))

	def period(self):
		"""The fiscal year's quarter or month that begins on From Date."""
		periods = get_period_list(
			self.fiscal_year, self.fiscal_year, "", "", "Fiscal Year", self.periodicity, company=self.company
		)
		for period in periods:
			if getdate(period.from_date) == getdate(self.from_date):
				return period
		frappe.throw(
			_("From Date must be the first day of one of the {0} periods of fiscal year {1}.").format(
				_(self.periodicity), self.fiscal_year
			)
		)


def _team(person) -> list:
	"""The person and everyone under them, as the user may read them, in tree order."""
	return [p for p in figures.sales_people() if person.lft <= p.lft and p.rgt <= person.rgt] or [
		frappe._dict(name=person.name, parent_sales_person=None, lft=person.lft, rgt=person.rgt)
	]


def _pipeline(team: list, company: str, period) -> dict:
	"""The team's open pipeline in the period by category, and what it won (closed) in it so far."""
	document, by_user = chosen(None), figures.people_by_user(team)
	own = merged(
		figures.pipeline(document, by_user, company, [period]),
		figures.closed(document, by_user, company, [period]),
	)
	return rolled_up([(p.name, p.lft, p.rgt) for p in team], own).get(team[0].name, {})


def _team_call(team: list, company: str, periodicity: str, from_date) -> tuple | None:
	"""The calls of the people under the manager, from their latest submitted forecasts for the period
	(the manager's own left out: this is the one being made)."""
	people = [(p.name, p.parent_sales_person) for p in team]
	latest = latest_forecasts([p.name for p in team[1:]], company, periodicity, [from_date])
	calls = forecast_calls(people, {name: amounts for (name, _from), amounts in latest.items()})
	return calls.get(team[0].name)


def latest_forecasts(people: list[str], company: str, periodicity: str, from_dates: list) -> dict:
	"""{(sales person, from date): (commit, best case)} of each person's latest submitted forecast for
	each period, among those the user may read."""
	if not people:
		return {}
	latest = {}
	for forecast in frappe.get_list(
		"Sales Forecast",
		filters={
			"docstatus": 1,
			"company": company,
			"periodicity": periodicity,
			"sales_person": ("in", people),
			"from_date": ("in", [getdate(d) for d in from_dates]),
		},
		fields=["sales_person", "from_date", "commit_amount", "best_case_amount"],
		order_by="creation asc",
		limit_page_length=0,
	):
		latest[(forecast.sales_person, getdate(forecast.from_date))] = (
			flt(forecast.commit_amount),
			flt(forecast.best_case_amount),
		)
	return latest
