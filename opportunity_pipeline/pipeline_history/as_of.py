"""The pipeline as it stood at a moment, read from the history.

An as-of query reads, per lifetime class, only the rows that can be in effect (rules.span_windows): on a
long history that is a few times the answer, not every row that began before the moment. Permissions are
the list's: a user whom something restricts on Opportunity gets the history of the opportunities they
may read now (a deleted one is no longer anyone's to read); a user whom nothing restricts gets every row,
deleted opportunities included.
"""

from datetime import datetime, time

import frappe
from frappe import _
from frappe.query_builder.functions import Count, Sum
from frappe.utils import add_days, now_datetime

from opportunity_pipeline.permissions import join_readable, readable_opportunities
from opportunity_pipeline.pipeline_history.record import STATE
from opportunity_pipeline.pipeline_history.rules import CURRENT_SPAN, span_windows
from opportunity_pipeline.statuses import FINISHED_STATUSES, OPEN_STATUSES
from opportunity_pipeline.validation import company_for_user, date_value

# What a pipeline can be grouped by: the tracked values that name someone or something.
GROUP_FIELDS = (
	"status",
	"sales_stage",
	"opportunity_owner",
	"contact_by",
	"territory",
	"opportunity_type",
	"source",
)
STATE_FIELDS = (
	"opportunity",
	"deleted",
	"status",
	"sales_stage",
	"amount",
	"probability",
	"expected_closing",
	"opportunity_owner",
	"contact_by",
	"territory",
	"opportunity_type",
	"source",
)


def end_of(day) -> datetime:
	"""The moment a day ends: the start of the next."""
	return datetime.combine(add_days(day, 1), time.min)


def in_effect(state, moment):
	"""Rows in effect just before `moment`, bounded per lifetime class so an index range can find them.
	From now on that is the current rows: no row ends in the future, and the older classes' windows would
	only add rows that ended before it."""
	if moment >= now_datetime():
		return (state.span_class == CURRENT_SPAN) & state.valid_to.isnull()
	bounded = None
	for span, earliest in span_windows(moment):
		window = state.span_class == span
		if earliest is not None:
			window &= state.valid_from >= earliest
		bounded = window if bounded is None else bounded | window
	return bounded & (state.valid_from < moment) & (state.valid_to.isnull() | (state.valid_to >= moment))


def every_status() -> list[str]:
	"""The statuses an opportunity can have: the app's groups and the status field's options."""
	options = (frappe.get_meta("Opportunity").get_field("status").options or "").split("\n")
	return list(dict.fromkeys((*OPEN_STATUSES, *FINISHED_STATUSES, *filter(None, options))))


def open_states(moment, company):
	"""The open rows in effect at `moment` for the company, before permissions (join_readable)."""
	state = frappe.qb.DocType(STATE)
	condition = (state.company == company) & in_effect(state, moment) & state.status.isin(OPEN_STATUSES)
	return frappe.qb.from_(state).where(condition)


def states_query(moment, company, readable):
	"""The open rows in effect at `moment` for the company, of the opportunities `readable` lets through."""
	return join_readable(open_states(moment, company), frappe.qb.DocType(STATE), readable)


@frappe.whitelist()
def pipeline_as_of(date, company, group_by=None) -> dict:
	"""The open pipeline (Open, Replied, Quotation) as it stood at the end of `date`, in company currency,
	over the opportunities the user may read: {"count", "amount", "weighted_amount", "groups"}."""
	day = date_value(date, _("Date"))
	company_for_user(company)
	if group_by not in (None, "", *GROUP_FIELDS):
		frappe.throw(_("Group By must be one of {0}.").format(", ".join(GROUP_FIELDS)))
	readable = readable_opportunities()
	state = frappe.qb.DocType(STATE)
	weighted = state.amount * state.probability / 100
	totals = [Count(state.name).as_("count"), Sum(state.amount).as_("amount"), Sum(weighted).as_("weighted")]
	query = states_query(end_of(day), company, readable)
	if group_by:
		query = query.select(state[group_by].as_("key"), *totals).groupby(state[group_by])
	else:
		query = query.select(*totals)
	groups = [
		{
			"key": row.get("key"),
			"count": row["count"],
			"amount": float(row.amount or 0),
			"weighted_amount": float(row.weighted or 0),
		}
		for row in query.run(as_dict=True)
		if row["count"]
	]
	return {
		"date": str(day),
		"company": company,
		"currency": frappe.get_cached_value("Company", company, "default_currency"),
		"count": sum(group["count"] for group in groups),
		"amount": sum(group["amount"] for group in groups),
		"weighted_amount": sum(group["weighted_amount"] for group in groups),
		"groups": sorted(groups, key=lambda group: -group["amount"]) if group_by else [],
	}
