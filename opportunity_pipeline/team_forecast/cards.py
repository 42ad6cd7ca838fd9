"""The number card of one's own attainment (issue #30): what the current user's Sales Person (with the
people under them) won this fiscal year over their quota, from the same figures as the Forecast Grid."""

import frappe
from frappe.utils import flt, today

from erpnext.accounts.report.financial_statements import get_period_list
from erpnext.accounts.utils import get_fiscal_year

from opportunity_pipeline.forecast.cards import card_company
from opportunity_pipeline.team_forecast import figures
from opportunity_pipeline.team_forecast.rules import merged, rolled_up
from opportunity_pipeline.team_forecast.settings import attainment_from

YEAR = "Yearly"


@frappe.whitelist()
def my_attainment_card(filters=None) -> dict:
	"""Number card: the current user's won / quota this fiscal year, in percent, for the card's company
	(forecast.cards.card_company); 0 for a user who is no sales person or has no quota. Counts what
	the Forecast Grid counts: only the sales people and bookings the user may read, bookings from
	Selling Settings' Count Attainment From."""
	company = card_company(filters)
	fiscal_year = get_fiscal_year(today(), company=company)[0]
	people = figures.sales_people()
	mine = set(figures.people_by_user(people).get(frappe.session.user, []))
	if not mine:
		return {"value": 0, "fieldtype": "Percent"}
	periods = get_period_list(fiscal_year, fiscal_year, "", "", "Fiscal Year", YEAR, company=company)
	own = merged(
		figures.quotas(people, fiscal_year, periods, YEAR),
		figures.bookings(people, company, periods, attainment_from()),
	)
	totals = rolled_up([(p.name, p.lft, p.rgt) for p in people], own)
	# The user's topmost sales people: one nested under another is already in its total.
	tops = [
		p
		for p in people
		if p.name in mine and not any(o.name in mine and o.lft < p.lft and p.rgt < o.rgt for o in people)
	]
	quota = sum(totals[p.name].get((periods[0].key, "quota"), 0) for p in tops)
	won = sum(totals[p.name].get((periods[0].key, "won"), 0) for p in tops)
	return {"value": flt(won / quota * 100, 1) if quota else 0, "fieldtype": "Percent"}
