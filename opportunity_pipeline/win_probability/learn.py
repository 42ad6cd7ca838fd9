"""Learning the win factors of each company: one GROUP BY query over its closed opportunities, never
loading a document, then one bulk insert of what was learned."""

import frappe
from frappe.query_builder import Case
from frappe.query_builder.functions import Coalesce, Count
from frappe.utils import now_datetime

from opportunity_pipeline.forecast.stages import ordered_stages
from opportunity_pipeline.reporting.query import amount_in_company_currency
from opportunity_pipeline.statuses import CLOSED_STATUSES, LOST_STATUSES, WON_STATUSES
from opportunity_pipeline.win_probability.rules import (
	AMOUNT_BAND,
	BLANK,
	Factor,
	amount_bands,
	learn,
)
from opportunity_pipeline.win_probability.settings import column, win_probability_settings

WIN_FACTOR = "Opportunity Win Factor"
FACTOR_COLUMNS = (
	"name",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"company",
	"sales_stage",
	"field",
	"value",
	"won",
	"lost",
	"weight",
)


def lost_statuses(settings) -> tuple:
	return LOST_STATUSES + (CLOSED_STATUSES if settings.closed_is_lost else ())


def field_term(field: str, opportunity=None):
	"""The SQL value of a model field on an Opportunity row: its column, or the amount's band."""
	opportunity = opportunity or frappe.qb.DocType("Opportunity")
	if field == AMOUNT_BAND:
		amount = amount_in_company_currency(opportunity)
		band = Case()
		for _lower, upper, value in amount_bands()[:-1]:
			band = band.when(amount < upper, value)
		return band.else_(amount_bands()[-1][2])
	return Coalesce(opportunity[column(field)], BLANK)


def closed_at(opportunity=None):
	"""When a closed opportunity ended: converted, lost, or (closed) last changed."""
	opportunity = opportunity or frappe.qb.DocType("Opportunity")
	return (
		Case()
		.when(opportunity.status.isin(WON_STATUSES), Coalesce(opportunity.converted_on, opportunity.modified))
		.when(opportunity.status.isin(LOST_STATUSES), Coalesce(opportunity.lost_date, opportunity.modified))
		.else_(opportunity.modified)
	)


def closed_groups(company: str, settings, condition=None) -> list[tuple]:
	"""The company's closed opportunities (and `condition`), grouped as learning counts them: rows of
	(won, stage, values of settings.fields in order, count). One query; no document is loaded."""
	opportunity = frappe.qb.DocType("Opportunity")
	won = Case().when(opportunity.status.isin(WON_STATUSES), 1).else_(0)
	stage = Coalesce(opportunity.sales_stage, BLANK)
	terms = [field_term(field, opportunity) for field in settings.fields]
	closed = (opportunity.company == company) & opportunity.status.isin(
		WON_STATUSES + lost_statuses(settings)
	)
	query = (
		frappe.qb.from_(opportunity)
		.select(won, stage, *terms, Count("*"))
		.where(closed if condition is None else closed & condition)
		.groupby(won, stage, *terms)
	)
	return [(bool(row[0]), row[1], tuple(row[2:-1]), row[-1]) for row in query.run()]


def learn_factors(company: str, settings, closed_before=None) -> list[Factor]:
	"""What the company's closed opportunities teach (only those closed before `closed_before`, for a
	backtest), counted by rules.learn."""
	condition = closed_at() < closed_before if closed_before else None
	rows = (
		(won, stage, dict(zip(settings.fields, values, strict=True)), count)
		for won, stage, values, count in closed_groups(company, settings, condition)
	)
	return learn(rows, settings.fields, ordered_stages(), settings.min_count)


def learn_company(company: str, settings=None) -> int:
	"""Learn the company's factors and keep them in Opportunity Win Factor, replacing the last ones.
	Returns how many were kept."""
	settings = settings or win_probability_settings()
	factors = learn_factors(company, settings)
	frappe.db.delete(WIN_FACTOR, {"company": company})
	now, user = now_datetime(), frappe.session.user
	frappe.db.bulk_insert(
		WIN_FACTOR,
		FACTOR_COLUMNS,
		[
			(
				frappe.generate_hash(length=12),
				now,
				now,
				user,
				user,
				company,
				factor.stage,
				factor.field,
				factor.value,
				factor.won,
				factor.lost,
				factor.weight,
			)
			for factor in factors
		],
	)
	return len(factors)


def stored_factors(company: str, stage: str | None = None, values: dict | None = None) -> dict:
	"""The company's learned factors by (stage, field, value): all of them, or only those that can apply
	to an opportunity at `stage` with `values` (one indexed query, for a save)."""
	factor = frappe.qb.DocType(WIN_FACTOR)
	query = frappe.qb.from_(factor).select(
		factor.sales_stage, factor["field"], factor.value, factor.won, factor.lost, factor.weight
	)
	condition = factor.company == company
	if values is not None:
		condition &= factor.sales_stage.isin([stage or BLANK, BLANK])
		wanted = factor["field"] == "sales_stage"
		for field, value in values.items():
			wanted |= (factor["field"] == field) & (factor.value == (value or BLANK))
		condition &= wanted
	return {
		(row[0], row[1], row[2]): Factor(row[0], row[1], row[2], row[3], row[4], row[5])
		for row in query.where(condition).run()
	}
