"""How well each owner (or Next Contact By) keeps up their follow-ups over a period, from the pipeline
history: their open opportunities at the end of the period and the share with a next step then (a Next
Contact Date after it), the follow-ups that came due in the period (a Next Contact Date still set when
it arrived) done on time (the same day), late (later in the period) or missed (not done by the end of the
period, or by now for a period not over), and their stalled opportunities now.

A follow-up is done when its Next Contact Date is replaced (a new next step, or the date cleared) or the
opportunity leaves the pipeline: the app sees the next step, not the call."""

from datetime import datetime, time

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, Date, Max, Sum
from frappe.utils import add_days, getdate, now_datetime, today

from opportunity_pipeline.opportunity_pipeline.doctype.opportunity_pipeline_state.opportunity_pipeline_state import (
	AS_OF_FOLLOW_UP,
)
from opportunity_pipeline.permissions import join_readable, readable_once, readable_opportunities
from opportunity_pipeline.pipeline_history.as_of import end_of, states_query
from opportunity_pipeline.pipeline_history.record import STATE
from opportunity_pipeline.reporting.query import amount_in_company_currency, choose, require_company_and_range
from opportunity_pipeline.sql import Digest, force_index
from opportunity_pipeline.statuses import OPEN_STATUSES

GROUPINGS = {"Opportunity Owner": "opportunity_owner", "Next Contact By": "contact_by"}
OUTCOMES = ("on_time", "late", "missed")


def execute(filters=None):
	filters = _checked(frappe._dict(filters or {}))
	with readable_once(readable_opportunities()) as readable:
		return _execute(filters, readable)


def _execute(filters, readable):
	field = GROUPINGS[filters.group_by]
	# The period's end is now while it is not over: one moment for every part of the report.
	end = min(end_of(filters.to_date), now_datetime())
	groups = {}

	def group(key):
		return groups.setdefault(
			key or "",
			{
				"open": 0,
				"with_next_step": 0,
				"due": 0,
				"stalled": 0,
				"stalled_amount": 0.0,
				**dict.fromkeys(OUTCOMES, 0),
			},
		)

	for key, count, with_next_step in _open_at_end(filters, end, readable, field):
		group(key).update(open=count, with_next_step=int(with_next_step or 0))
	for key, due, on_time, late in _follow_ups(filters, end, readable, field):
		on_time, late = int(on_time or 0), int(late or 0)
		group(key).update(due=due, on_time=on_time, late=late, missed=due - on_time - late)
	for key, count, amount in _stalled_now(filters, readable, field):
		group(key).update(stalled=count, stalled_amount=float(amount or 0))
	currency = frappe.get_cached_value("Company", filters.company, "default_currency")
	rows = [_row(key, figures, currency) for key, figures in sorted(groups.items())]
	return _columns(filters), rows, None, _chart(rows)


def _checked(filters):
	require_company_and_range(
		filters,
		filters.get("from_date") or add_days(today(), -30),
		filters.get("to_date") or today(),
		"Follow-up Discipline",
	)
	choose(filters, "group_by", list(GROUPINGS), _("Group By"))
	return filters


def _open_at_end(filters, end, readable, field):
	"""(group, open opportunities, those with a Next Contact Date after the end) at the period's end: for
	a period not over, the current rows and a Next Contact Date still to come. Grouped by a digest of the
	user (sql.Digest): MariaDB groups the long text several times slower."""
	state = frappe.qb.DocType(STATE)
	with_next_step = Sum(Case().when(state.contact_date >= end, 1).else_(0))
	query = states_query(end_of(filters.to_date), filters.company, readable)
	return (
		force_index(query, AS_OF_FOLLOW_UP[0])
		.select(Max(state[field]), Count("*"), with_next_step)
		.groupby(Digest(state[field]))
		.run()
	)


def _follow_ups(filters, end, readable, field):
	"""(group, due, on time, late) of the follow-ups that came due in the period (the rest were missed),
	from the history's derived fields (rules.ends_follow_up), through one index: a row that ended a due
	follow-up was done at its valid_to; a current open row whose date came while it was the next step is
	still waiting."""
	state = frappe.qb.DocType(STATE)
	start = datetime.combine(getdate(filters.from_date), time.min)
	done = state.ends_follow_up == 1
	waiting = (
		state.valid_to.isnull()
		& state.status.isin(OPEN_STATUSES)
		& (state.contact_since <= state.contact_date)
	)
	on_time = done & (Date(state.valid_to) == Date(state.contact_date))
	late = done & (Date(state.valid_to) != Date(state.contact_date)) & (state.valid_to < end)
	query = frappe.qb.from_(state).where(
		(state.company == filters.company)
		& (state.contact_date >= start)
		& (state.contact_date < end)
		& (state.deleted == 0)
		& (done | waiting)
	)
	query = join_readable(query, state, readable)
	return (
		query.select(
			Max(state[field]),
			Count("*"),
			Sum(Case().when(on_time, 1).else_(0)),
			Sum(Case().when(late, 1).else_(0)),
		)
		.groupby(Digest(state[field]))
		.run()
	)


def _stalled_now(filters, readable, field):
	opportunity = frappe.qb.DocType("Opportunity")
	condition = (
		(opportunity.company == filters.company)
		& opportunity.status.isin(OPEN_STATUSES)
		& (opportunity.is_stalled == 1)
	)
	if readable is not None:
		condition &= readable
	return (
		frappe.qb.from_(opportunity)
		.select(opportunity[field], Count("*"), Sum(amount_in_company_currency(opportunity)))
		.where(condition)
		.groupby(opportunity[field])
		.run()
	)


def _row(key, figures, currency):
	due = figures["due"]
	return {
		"group": key or _("Not Set"),
		"group_key": key,
		"currency": currency,
		"open": figures["open"],
		"with_next_step": figures["with_next_step"] * 100 / figures["open"] if figures["open"] else None,
		"due": due,
		**{outcome: figures[outcome] for outcome in OUTCOMES},
		"on_time_share": figures["on_time"] * 100 / due if due else None,
		"stalled": figures["stalled"],
		"stalled_amount": figures["stalled_amount"],
	}


def _columns(filters):
	def column(fieldname, label, fieldtype="Int", width=110, **extra):
		return {"fieldname": fieldname, "label": label, "fieldtype": fieldtype, "width": width, **extra}

	return [
		column("group", _(filters.group_by), "Link", 200, options="User"),
		column("open", _("Open at End")),
		column("with_next_step", _("With a Next Step (%)"), "Percent", 140),
		column("due", _("Follow-ups Due")),
		column("on_time", _("Done on Time")),
		column("late", _("Done Late")),
		column("missed", _("Missed")),
		column("on_time_share", _("On Time (%)"), "Percent"),
		column("stalled", _("Stalled Now")),
		column("stalled_amount", _("Stalled Amount"), "Currency", 130, options="currency"),
	]


def _chart(rows):
	return {
		"data": {
			"labels": [row["group"] for row in rows],
			"datasets": [
				{"name": _("Done on Time"), "values": [row["on_time"] for row in rows]},
				{"name": _("Done Late"), "values": [row["late"] for row in rows]},
				{"name": _("Missed"), "values": [row["missed"] for row in rows]},
			],
		},
		"type": "bar",
		"barOptions": {"stacked": 1},
		"colors": ["#28a745", "#f5a623", "#e24c4c"],
	}
