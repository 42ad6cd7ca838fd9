"""How the open pipeline moved between the end of From Date and the end of To Date: opening pipeline,
what came in (new, pulled in, reopened), what changed (amount, probability), what went out (pushed out,
won, lost, closed, deleted) and the closing pipeline, from the pipeline history. With an expected closing
window, the pipeline is what was expected to close in it, so moving the date in or out of it counts.

Each line is drillable: the Line filter lists its opportunities, with their values at both ends."""

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Coalesce, Count, Max, Sum
from frappe.query_builder.terms import ValueWrapper
from frappe.utils import add_days, today

from opportunity_pipeline.permissions import readable_opportunities
from opportunity_pipeline.pipeline_history.as_of import STATE_FIELDS, end_of, in_effect
from opportunity_pipeline.pipeline_history.record import STATE
from opportunity_pipeline.pipeline_history.rules import (
	AMOUNT_DOWN,
	AMOUNT_UP,
	CLOSED,
	CLOSING,
	DELETED,
	LOST,
	MOVEMENT_LINES,
	NEW,
	OPENING,
	PROBABILITY_DOWN,
	PROBABILITY_UP,
	PULLED_IN,
	PUSHED_OUT,
	REOPENED,
	WON,
	is_open,
	movement,
)
from opportunity_pipeline.reporting.query import choose, require_company_and_range
from opportunity_pipeline.statuses import LOST_STATUSES, OPEN_STATUSES, WON_STATUSES
from opportunity_pipeline.validation import date_value

GROUPINGS = {
	"": None,
	"Opportunity Owner": "opportunity_owner",
	"Territory": "territory",
	"Sales Stage": "sales_stage",
}
VALUES = ("Amount", "Weighted Amount", "Count")
# The key of the group of opportunities without a value, for the drill-down (where "" means every group).
NOT_SET = "__not_set__"


def execute(filters=None):
	filters = _checked(frappe._dict(filters or {}))
	if filters.line:
		return _detail_columns(), _detail(_movements(filters), filters)
	group_field = GROUPINGS[filters.group_by]
	totals = _totals(filters, group_field)
	currency = frappe.get_cached_value("Company", filters.company, "default_currency")
	table = [
		_row(key, lines, filters, currency, label=key if key or not group_field else _("Not Set"))
		for key, lines in sorted(totals.items(), key=_order)
	]
	if group_field and len(table) > 1:
		table.append(_row(None, _sum(totals.values()), filters, currency, label=_("Total"), bold=True))
	return _columns(filters, group_field), table, None, _chart(_sum(totals.values()), filters)


def _checked(filters):
	from_date = filters.get("from_date") or add_days(today(), -30)
	require_company_and_range(filters, from_date, filters.get("to_date") or today())
	choose(filters, "group_by", list(GROUPINGS), _("Group By"))
	choose(filters, "value", VALUES, _("Show"))
	filters.closing_from = (
		date_value(filters.closing_from, _("Expected Closing From")) if filters.get("closing_from") else None
	)
	filters.closing_to = (
		date_value(filters.closing_to, _("Expected Closing To")) if filters.get("closing_to") else None
	)
	if bool(filters.closing_from) != bool(filters.closing_to):
		frappe.throw(_("Give both ends of the expected closing window, or neither."))
	if filters.closing_from and filters.closing_from > filters.closing_to:
		frappe.throw(_("Expected Closing From must be before Expected Closing To."))
	if filters.get("line") and filters.line not in MOVEMENT_LINES:
		frappe.throw(_("Line must be one of {0}.").format(", ".join(MOVEMENT_LINES)))
	filters.line = filters.get("line") or None
	return filters


def _moments(filters):
	return end_of(filters.from_date), end_of(filters.to_date)


def _in_window(state, filters):
	"""The pipeline's condition on a row: open, and expected to close in the window when there is one."""
	condition = state.status.isin(OPEN_STATUSES)
	if filters.closing_from:
		condition &= state.expected_closing[filters.closing_from : filters.closing_to]
	return condition


def _readable(query, state, readable):
	if readable is None:
		return query
	opportunity = frappe.qb.DocType("Opportunity")
	return query.join(opportunity).on(opportunity.name == state.opportunity).where(readable)


def _unchanged(filters, readable):
	"""The pipeline rows in effect at both ends: what no change touched between them."""
	state = frappe.qb.DocType(STATE)
	start, end = _moments(filters)
	query = frappe.qb.from_(state).where(
		(state.company == filters.company)
		& in_effect(state, start)
		& (state.valid_to.isnull() | (state.valid_to >= end))
		& _in_window(state, filters)
	)
	return _readable(query, state, readable), state


def _changed(filters, readable, fields):
	"""One row per opportunity that changed between the two ends, with its state at each end: `b_<field>`
	before (nothing when it did not exist yet) and `a_<field>` after (nothing once deleted). Its rows in
	effect at either end are read through the as-of index: the one that ended inside the period, and
	the one that began inside it and was still in effect at the end."""
	state = frappe.qb.DocType(STATE)
	start, end = _moments(filters)
	company = state.company == filters.company
	before = company & in_effect(state, start) & (state.valid_to < end)
	after = company & in_effect(state, end) & (state.valid_from >= start)
	columns = list(
		dict.fromkeys(("opportunity", "deleted", "valid_from", "status", "expected_closing", *fields))
	)
	ends = _readable(frappe.qb.from_(state).where(before), state, readable).select(
		*(state[field] for field in columns)
	)
	ends = ends.union_all(
		_readable(frappe.qb.from_(state).where(after), state, readable).select(
			*(state[field] for field in columns)
		)
	)
	is_before, is_after = ends.valid_from < start, ends.valid_from >= start

	def flag(condition):
		return Max(Case().when(condition, 1).else_(0))

	pairs = (
		frappe.qb.from_(ends)
		.groupby(ends.opportunity, ends.deleted)
		.select(
			ends.opportunity,
			ends.deleted,
			flag(is_before).as_("had"),
			flag(is_after).as_("has"),
			flag(is_before & _in_window(ends, filters)).as_("was"),
			flag(is_after & _in_window(ends, filters)).as_("stays"),
			flag(is_before & ends.status.isin(OPEN_STATUSES)).as_("was_open"),
			flag(is_after & ends.status.isin(OPEN_STATUSES)).as_("is_open"),
			flag(is_after & ends.status.isin(WON_STATUSES)).as_("won"),
			flag(is_after & ends.status.isin(LOST_STATUSES)).as_("lost"),
			*(Max(Case().when(is_before, ends[field])).as_(f"b_{field}") for field in fields),
			*(Max(Case().when(is_after, ends[field])).as_(f"a_{field}") for field in fields),
		)
	)
	return pairs


def _line_terms(pair) -> dict:
	"""line -> (condition, amount, weighted amount) on a pair of states: rules.movement written in SQL,
	so the summary adds up in the database (the drill-down runs rules.movement itself; a test holds
	the two to the same figures)."""
	old_amount, new_amount = Coalesce(pair.b_amount, 0), Coalesce(pair.a_amount, 0)
	old_chance, new_chance = Coalesce(pair.b_probability, 0), Coalesce(pair.a_probability, 0)
	old_weighted, new_weighted = old_amount * old_chance / 100, new_amount * new_chance / 100
	both = (pair.was == 1) & (pair.stays == 1)
	entering = (pair.was == 0) & (pair.stays == 1)
	leaving = (pair.was == 1) & (pair.stays == 0)
	change = new_amount - old_amount
	return {
		OPENING: (pair.was == 1, old_amount, old_weighted),
		NEW: (entering & (pair.had == 0), new_amount, new_weighted),
		PULLED_IN: (entering & (pair.had == 1) & (pair.was_open == 1), new_amount, new_weighted),
		REOPENED: (entering & (pair.had == 1) & (pair.was_open == 0), new_amount, new_weighted),
		AMOUNT_UP: (both & (new_amount > old_amount), change, change * old_chance / 100),
		AMOUNT_DOWN: (both & (new_amount < old_amount), change, change * old_chance / 100),
		PROBABILITY_UP: (both & (new_chance > old_chance), 0, new_amount * (new_chance - old_chance) / 100),
		PROBABILITY_DOWN: (both & (new_chance < old_chance), 0, new_amount * (new_chance - old_chance) / 100),
		PUSHED_OUT: (leaving & (pair.is_open == 1), -old_amount, -old_weighted),
		WON: (leaving & (pair.won == 1), -old_amount, -old_weighted),
		LOST: (leaving & (pair.lost == 1), -old_amount, -old_weighted),
		CLOSED: (
			leaving & (pair.has == 1) & (pair.is_open == 0) & (pair.won == 0) & (pair.lost == 0),
			-old_amount,
			-old_weighted,
		),
		DELETED: (leaving & (pair.has == 0), -old_amount, -old_weighted),
		CLOSING: (pair.stays == 1, new_amount, new_weighted),
	}


def _summed(condition, value):
	return Sum(Case().when(condition, value).else_(0))


def _totals(filters, group_field) -> dict:
	"""group -> line -> [count, amount, weighted], summed in the database: the opportunities no change
	touched count in Opening and Closing, the others by rules.movement's lines."""
	readable = readable_opportunities()
	fields = ("amount", "probability", *filter(None, [group_field]))
	unchanged, state = _unchanged(filters, readable)
	key = state[group_field] if group_field else ValueWrapper("")
	weighted = Coalesce(state.amount, 0) * Coalesce(state.probability, 0) / 100
	totals = {}
	for group, count, amount, weighted_amount in (
		unchanged.select(key, Count("*"), Sum(Coalesce(state.amount, 0)), Sum(weighted)).groupby(key).run()
	):
		lines = totals.setdefault(group or "", {})
		for line in (OPENING, CLOSING):
			lines[line] = [count, float(amount or 0), float(weighted_amount or 0)]

	pair = _changed(filters, readable, fields)
	key = (
		Case().when(pair.is_open == 1, pair[f"a_{group_field}"]).else_(pair[f"b_{group_field}"])
		if group_field
		else ValueWrapper("")
	)
	terms = _line_terms(pair)
	figures = []
	for condition, amount, weighted_amount in terms.values():
		figures += [
			_summed(condition, 1),
			_summed(condition, amount),
			_summed(condition, weighted_amount),
		]
	for group, *values in frappe.qb.from_(pair).select(key, *figures).groupby(key).run():
		lines = totals.setdefault(group or "", {})
		for number, line in enumerate(terms):
			count, amount, weighted_amount = values[number * 3 : number * 3 + 3]
			if count:
				figures_of_line = lines.setdefault(line, [0, 0.0, 0.0])
				figures_of_line[0] += int(count)
				figures_of_line[1] += float(amount or 0)
				figures_of_line[2] += float(weighted_amount or 0)
	return totals or {"": {}}


def _movements(filters) -> list[tuple]:
	"""(opportunity, state before, state after, lines) of the opportunities in the pipeline at either
	end, by rules.movement: what a drill-down lists."""
	readable = readable_opportunities()
	window = (filters.closing_from, filters.closing_to) if filters.closing_from else None
	moves = []
	if filters.line in (OPENING, CLOSING):
		unchanged, state = _unchanged(filters, readable)
		for row in unchanged.select(*(state[field] for field in STATE_FIELDS)).run(as_dict=True):
			moves.append((row.opportunity, row, row, movement(row, row, window)))
	fields = [field for field in STATE_FIELDS if field not in ("opportunity", "deleted")]
	for row in frappe.qb.from_(_changed(filters, readable, fields)).select("*").run(as_dict=True):
		old = {field: row[f"b_{field}"] for field in fields} if row.had else None
		new = {field: row[f"a_{field}"] for field in fields} if row.has else None
		if lines := movement(old, new, window):
			moves.append((row.opportunity, old, new, lines))
	return moves


def _group(old, new, group_field):
	"""The group of an opportunity: where it is at the end when it is in the pipeline there, else where
	it was at the start."""
	if not group_field:
		return ""
	state = new if new is not None and is_open(new) else old
	return state.get(group_field) or ""


def _sum(groups) -> dict:
	total = {}
	for lines in groups:
		for line, (count, amount, weighted) in lines.items():
			figures = total.setdefault(line, [0, 0.0, 0.0])
			figures[0] += count
			figures[1] += amount
			figures[2] += weighted
	return total


def _order(item):
	key, lines = item
	return (-abs(lines.get(CLOSING, [0, 0.0])[1]), key)


def _figure(lines, line, value):
	count, amount, weighted = lines.get(line, [0, 0.0, 0.0])
	return {"Amount": amount, "Weighted Amount": weighted, "Count": count}[value]


def _row(key, lines, filters, currency, label, bold=False):
	if key == "" and filters.group_by:
		key = NOT_SET
	row = {"group": label or _("All"), "group_key": key, "currency": currency, "bold": int(bold)}
	row.update({frappe.scrub(line): _figure(lines, line, filters.value) for line in MOVEMENT_LINES})
	return row


def _columns(filters, group_field):
	fieldtype = "Int" if filters.value == "Count" else "Currency"
	columns = [
		{
			"fieldname": "group",
			"label": _(filters.group_by) if group_field else _("Pipeline"),
			"fieldtype": "Data",
			"width": 180,
		}
	]
	columns += [
		{
			"fieldname": frappe.scrub(line),
			"label": _(line),
			"fieldtype": fieldtype,
			"options": "currency",
			"width": 130,
		}
		for line in MOVEMENT_LINES
	]
	return columns


def _chart(lines, filters):
	"""A waterfall: each line's bar starts where the previous one ended; the base is drawn transparent."""
	labels, base, rises, falls, ends, level = [], [], [], [], [], 0.0
	for line in MOVEMENT_LINES:
		value = _figure(lines, line, filters.value)
		labels.append(_(line))
		if line in (OPENING, CLOSING):
			base.append(0)
			rises.append(0)
			falls.append(0)
			ends.append(value)
			level = value
		elif value >= 0:
			base.append(level)
			rises.append(value)
			falls.append(0)
			ends.append(0)
			level += value
		else:
			level += value
			base.append(level)
			rises.append(0)
			falls.append(-value)
			ends.append(0)
	return {
		"data": {
			"labels": labels,
			"datasets": [
				{"name": _("Base"), "values": base},
				{"name": _("Pipeline"), "values": ends},
				{"name": _("Increase"), "values": rises},
				{"name": _("Decrease"), "values": falls},
			],
		},
		"type": "bar",
		"barOptions": {"stacked": 1},
		"colors": ["#ffffff", "#5e64ff", "#28a745", "#e24c4c"],
		"fieldtype": "Int" if filters.value == "Count" else "Currency",
	}


def _detail(moves, filters):
	group_field = GROUPINGS[filters.group_by]
	currency = frappe.get_cached_value("Company", filters.company, "default_currency")
	rows = []
	for name, old, new, lines in moves:
		wanted = "" if filters.get("group") == NOT_SET else filters.get("group")
		if filters.get("group") not in (None, "") and _group(old, new, group_field) != wanted:
			continue
		for line, amount, weighted in lines:
			if line != filters.line:
				continue
			rows.append(
				{
					"opportunity": name,
					"amount": amount,
					"weighted_amount": weighted,
					"status_before": old["status"] if old else None,
					"status_after": new["status"] if new else None,
					"stage_after": (new or {}).get("sales_stage") or (old or {}).get("sales_stage"),
					"closing_before": old["expected_closing"] if old else None,
					"closing_after": new["expected_closing"] if new else None,
					"owner": (new or {}).get("opportunity_owner") or (old or {}).get("opportunity_owner"),
					"currency": currency,
				}
			)
	return sorted(rows, key=lambda row: -abs(row["amount"]))


def _detail_columns():
	return [
		{
			"fieldname": "opportunity",
			"label": _("Opportunity"),
			"fieldtype": "Link",
			"options": "Opportunity",
			"width": 160,
		},
		{
			"fieldname": "amount",
			"label": _("Amount"),
			"fieldtype": "Currency",
			"options": "currency",
			"width": 130,
		},
		{
			"fieldname": "weighted_amount",
			"label": _("Weighted Amount"),
			"fieldtype": "Currency",
			"options": "currency",
			"width": 130,
		},
		{"fieldname": "status_before", "label": _("Status Before"), "fieldtype": "Data", "width": 110},
		{"fieldname": "status_after", "label": _("Status After"), "fieldtype": "Data", "width": 110},
		{
			"fieldname": "stage_after",
			"label": _("Sales Stage"),
			"fieldtype": "Link",
			"options": "Sales Stage",
			"width": 140,
		},
		{
			"fieldname": "closing_before",
			"label": _("Expected Closing Before"),
			"fieldtype": "Date",
			"width": 120,
		},
		{
			"fieldname": "closing_after",
			"label": _("Expected Closing After"),
			"fieldtype": "Date",
			"width": 120,
		},
		{
			"fieldname": "owner",
			"label": _("Opportunity Owner"),
			"fieldtype": "Link",
			"options": "User",
			"width": 160,
		},
	]
