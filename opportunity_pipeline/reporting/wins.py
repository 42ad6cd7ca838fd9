"""What was won, per month and owner: on Opportunity by Converted On, where the stage is the status (a
deal) by when its won status began in its status log (learn.closed_between). Forecast Accuracy and the
Forecast Grid's Closed column read it."""

from datetime import date

from pypika.enums import DatePart

import frappe
from frappe.query_builder.functions import Extract, Sum
from frappe.utils import add_days

from opportunity_pipeline.document_types import status_values
from opportunity_pipeline.pipeline_document import PipelineDocument
from opportunity_pipeline.reporting.query import amount_in_company_currency
from opportunity_pipeline.win_probability.learn import closed_between


def won_by_month_and_owner(
	document: PipelineDocument, company: str, from_date, to_date, readable, owners: list[str] | None = None
) -> dict[tuple[date, str | None], float]:
	"""(first day of the month, owner) -> amount won in company currency, from `from_date` to `to_date`
	(days, both included), over the documents `readable` lets through (None: every one) and, where given,
	owned by one of `owners`. Summed by the database: a year of a large pipeline wins 100,000s of times."""
	table = frappe.qb.DocType(document.doctype)
	owner = table[document.owner_field]
	won = list(status_values(document).won)
	condition = table[document.status_field].isin(won or [""])
	if document.company_field:
		condition &= table[document.company_field] == company
	if owners is not None:
		condition &= owner.isin(owners or [""])
	if readable is not None:
		condition &= readable
	found = {}
	# On Opportunity, Converted On itself (indexed), not closed_at's fallback to the last change.
	for query, won_on in closed_between(
		table, document, won, from_date, add_days(to_date, 1), without_log=table.converted_on
	):
		year, month = Extract(DatePart.year, won_on), Extract(DatePart.month, won_on)
		rows = (
			query.select(year, month, owner, Sum(amount_in_company_currency(table, document)))
			.where(condition)
			.groupby(year, month, owner)
			.run()
		)
		for year_won, month_won, owner_won, amount in rows:
			key = (date(int(year_won), int(month_won), 1), owner_won)
			found[key] = found.get(key, 0.0) + float(amount or 0)
	return found
