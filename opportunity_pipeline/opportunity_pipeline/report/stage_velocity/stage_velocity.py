"""How fast opportunities move through the sales stages: for the stays in a stage that ended in the period,
the median and 75th-percentile days spent there, and the share that moved forward, moved back, were won,
lost or closed. A stay ends when the stage changes or the opportunity leaves the pipeline; the history
row that ends it holds the stage left and the days (pipeline_history/rules.next_stage_fields), so one
grouped query counts them by days and the percentiles come from that histogram."""

import frappe
from frappe import _
from frappe.query_builder.functions import Coalesce, Count, Function, Max
from frappe.utils import add_days, add_months, today

from opportunity_pipeline.forecast.stages import ordered_stages
from opportunity_pipeline.permissions import join_readable, readable_opportunities
from opportunity_pipeline.pipeline_history.as_of import every_status
from opportunity_pipeline.pipeline_history.record import STATE
from opportunity_pipeline.pipeline_history.rules import percentile, stay_outcome
from opportunity_pipeline.reporting.query import choose, require_company_and_range
from opportunity_pipeline.sql import Digest, run_with_temporary_memory

GROUPINGS = {"": None, "Opportunity Owner": "opportunity_owner", "Territory": "territory"}
# In-memory temporary table for the grouping of a period's stays (sql.run_with_temporary_memory).
GROUPING_MEMORY_MB = 64
OUTCOMES = ("Forward", "Back", "Won", "Lost", "Closed")


def execute(filters=None):
	filters = _checked(frappe._dict(filters or {}))
	stages = ordered_stages()
	order = {stage: number for number, stage in enumerate(stages)}
	stays = {}
	for stage, group, days, status, new_stage, count in _ended_stays(filters, stages):
		outcome = stay_outcome(stage, {"status": status, "sales_stage": new_stage}, order)
		figures = stays.setdefault((stage, group or ""), {"days": {}, "outcomes": dict.fromkeys(OUTCOMES, 0)})
		figures["days"][days] = figures["days"].get(days, 0) + count
		figures["outcomes"][outcome] += count
	rows = [
		_row(stage, group, figures, filters)
		for (stage, group), figures in sorted(
			stays.items(), key=lambda item: (order.get(item[0][0], len(order)), item[0])
		)
	]
	return _columns(filters), rows, None, _chart(rows, filters)


def _checked(filters):
	require_company_and_range(
		filters,
		filters.get("from_date") or add_months(today(), -3),
		filters.get("to_date") or today(),
		"Stage Velocity",
	)
	choose(filters, "group_by", list(GROUPINGS), _("Group By"))
	return filters


def _ended_stays(filters, stages):
	"""(stage left, group, days, status after, stage after, count) of the stays that ended in the period.

	A year of a large site is millions of rows, and grouping them by three texts spends most of its time
	comparing text: the query groups by each text's place in its list of known values (FIELD), and reads
	the texts back from the lists. Should a row hold a value no list knows (a stage deleted since), the
	plain grouping by text answers instead."""
	state = frappe.qb.DocType(STATE)
	query = frappe.qb.from_(state).where(
		(state.company == filters.company)
		& (state.valid_from >= filters.from_date)
		& (state.valid_from < add_days(filters.to_date, 1))
		& state.left_stage.isnotnull()
	)
	query = join_readable(query, state, readable_opportunities())
	field = GROUPINGS[filters.group_by]
	# The group by a digest of its text (sql.Digest), read back with Max: the grouping stays in memory.
	group, group_key = ([Max(state[field])], [Digest(state[field])]) if field else ([], [])
	known = {"left_stage": ["", *stages], "status": every_status(), "sales_stage": ["", *stages]}
	places = {name: Function("FIELD", Coalesce(state[name], ""), *values) for name, values in known.items()}

	def grouped(keys):
		return run_with_temporary_memory(
			query.select(*keys, *group, Count("*")).groupby(*keys, *group_key), GROUPING_MEMORY_MB
		)

	rows = grouped([places["left_stage"], state.stage_days, places["status"], places["sales_stage"]])
	if any(0 in (row[0], row[2], row[3]) for row in rows):
		rows = grouped([state.left_stage, state.stage_days, state.status, state.sales_stage])
	else:

		def value(name, place):
			return known[name][place - 1] or None

		rows = [
			(value("left_stage", left), days, value("status", status), value("sales_stage", new), *rest)
			for left, days, status, new, *rest in rows
		]
	for stage, days, status, new_stage, *rest in rows:
		yield stage, (rest[0] if group else ""), days, status, new_stage, rest[-1]


def _row(stage, group, figures, filters):
	total = sum(figures["outcomes"].values())
	row = {
		"sales_stage": stage,
		"group": group,
		"stays": total,
		"median_days": percentile(figures["days"], 0.5),
		"p75_days": percentile(figures["days"], 0.75),
	}
	row.update({frappe.scrub(outcome): figures["outcomes"][outcome] * 100 / total for outcome in OUTCOMES})
	return row


def _columns(filters):
	columns = [
		{
			"fieldname": "sales_stage",
			"label": _("Sales Stage"),
			"fieldtype": "Link",
			"options": "Sales Stage",
			"width": 160,
		}
	]
	if filters.group_by:
		columns.append(
			{"fieldname": "group", "label": _(filters.group_by), "fieldtype": "Data", "width": 160}
		)
	columns += [
		{"fieldname": "stays", "label": _("Stays Ended"), "fieldtype": "Int", "width": 110},
		{"fieldname": "median_days", "label": _("Median Days"), "fieldtype": "Int", "width": 110},
		{"fieldname": "p75_days", "label": _("75th Percentile Days"), "fieldtype": "Int", "width": 150},
	]
	labels = {
		"Forward": _("Moved Forward (%)"),
		"Back": _("Moved Back (%)"),
		"Won": _("Won (%)"),
		"Lost": _("Lost (%)"),
		"Closed": _("Closed (%)"),
	}
	columns += [
		{"fieldname": frappe.scrub(outcome), "label": labels[outcome], "fieldtype": "Percent", "width": 130}
		for outcome in OUTCOMES
	]
	return columns


def _chart(rows, filters):
	if filters.group_by:
		return None
	return {
		"data": {
			"labels": [_(row["sales_stage"]) for row in rows],
			"datasets": [
				{"name": _("Median Days"), "values": [row["median_days"] for row in rows]},
				{"name": _("75th Percentile Days"), "values": [row["p75_days"] for row in rows]},
			],
		},
		"type": "bar",
	}
