"""How fast opportunities move through the sales stages: for the stays in a stage that ended in the period,
the median and 75th-percentile days spent there, and the share that moved forward, moved back, were won,
lost or closed. A stay ends when the stage changes or the opportunity leaves the pipeline; the history
row that ends it holds the stage left and the days (pipeline_history/rules.next_stage_fields), so one
grouped query counts them by days and the percentiles come from that histogram.

Frappe CRM's deals (Document Type: CRM Deal), whose status is their stage, are read from Frappe CRM's own
status change log (the declaration's status_log): a row per stay in an open status, ended when its `to`
is set; grouped by the deal's owner or territory as they are now."""

import frappe
from frappe import _
from frappe.query_builder.functions import Coalesce, Count, Function, Max
from frappe.utils import add_days, add_months, get_datetime, today

from opportunity_pipeline.document_types import chosen, status_log_clock_offset, status_log_rows
from opportunity_pipeline.document_types import ordered_stages as ordered_statuses
from opportunity_pipeline.forecast.stages import ordered_stages
from opportunity_pipeline.permissions import join_readable, readable_condition, readable_opportunities
from opportunity_pipeline.pipeline_history.as_of import every_status
from opportunity_pipeline.pipeline_history.record import STATE
from opportunity_pipeline.pipeline_history.rules import percentile, status_stay_outcome, stay_outcome
from opportunity_pipeline.reporting.query import choose, require_company_and_range
from opportunity_pipeline.sql import DaysBetween, Digest, run_with_temporary_memory

GROUPINGS = {"": None, "Opportunity Owner": "opportunity_owner", "Territory": "territory"}
# In-memory temporary table for the grouping of a period's stays (sql.run_with_temporary_memory).
GROUPING_MEMORY_MB = 64
OUTCOMES = ("Forward", "Back", "Won", "Lost", "Closed")


def execute(filters=None):
	filters = _checked(frappe._dict(filters or {}))
	document = chosen(filters.get("document_type"))
	if document.status_log is None:
		stages = ordered_stages()
		ended = _ended_stays(filters, stages)
	else:
		stages = ordered_statuses(document)
		ended = _ended_status_stays(filters, document, stages)
	order = {stage: number for number, stage in enumerate(stages)}
	stays = {}
	for stage, group, days, outcome, count in ended:
		figures = stays.setdefault((stage, group or ""), {"days": {}, "outcomes": dict.fromkeys(OUTCOMES, 0)})
		figures["days"][days] = figures["days"].get(days, 0) + count
		figures["outcomes"][outcome] += count
	rows = [
		_row(stage, group, figures, filters)
		for (stage, group), figures in sorted(
			stays.items(), key=lambda item: (order.get(item[0][0], len(order)), item[0])
		)
	]
	return _columns(filters, document), rows, None, _chart(rows, filters)


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
	"""(stage left, group, days, outcome, count) of the opportunities' stays that ended in the period, from
	the app's pipeline history.

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
	order = {stage: number for number, stage in enumerate(stages)}
	for stage, days, status, new_stage, *rest in rows:
		outcome = stay_outcome(stage, {"status": status, "sales_stage": new_stage}, order)
		yield stage, (rest[0] if group else ""), days, outcome, rest[-1]


def _ended_status_stays(filters, document, statuses):
	"""(status left, group, days, outcome, count) of the stays in an open status that ended in the period,
	from the status change log of the documents the user may read."""
	log = frappe.qb.DocType(document.status_log.doctype)
	deal = frappe.qb.DocType(document.doctype)
	groups = document.status_groups
	field = document.groups.get(filters.group_by) if filters.group_by else None
	keys = [log["from"], log["to"], log.to_type, DaysBetween(log.from_date, log.to_date)]
	if field:
		keys.append(deal[field])
	query = (
		frappe.qb.from_(log)
		.join(deal)
		.on(deal.name == log.parent)
		.select(*keys, Count("*"))
		.where(
			status_log_rows(document, log)
			& log.from_type.isin(list(groups.open))
			& (Coalesce(log["to"], "") != "")
			# The period's bounds on the log's clock (the server's), so the column is read as it is.
			& (log.to_date >= get_datetime(filters.from_date) - status_log_clock_offset())
			& (log.to_date < get_datetime(add_days(filters.to_date, 1)) - status_log_clock_offset())
		)
		.groupby(*keys)
	)
	if (readable := readable_condition(document.doctype)) is not None:
		query = query.where(readable)
	order = {status: number for number, status in enumerate(statuses)}
	for left, new, new_kind, days, *rest in query.run():
		outcome = status_stay_outcome(left, new, new_kind, groups, order)
		yield left, (rest[0] if field else "") or "", days, outcome, rest[-1]


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


def _columns(filters, document):
	columns = [
		{
			"fieldname": "sales_stage",
			"label": _("Sales Stage"),
			"fieldtype": "Link",
			"options": document.stage.doctype,
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
