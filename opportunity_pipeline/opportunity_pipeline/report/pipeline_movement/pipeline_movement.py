"""How the open pipeline moved between the end of From Date and the end of To Date: opening pipeline,
what came in (new, pulled in, reopened), what changed (amount, probability), what went out (pushed out,
won, lost, closed, deleted) and the closing pipeline, from the pipeline history. With an expected closing
window, the pipeline is what was expected to close in it, so moving the date in or out of it counts.

Each line is drillable: the Line filter lists its opportunities, with their values at both ends."""

import frappe
from frappe import _
from frappe.utils import add_days, today

from opportunity_pipeline.permissions import readable_opportunities
from opportunity_pipeline.pipeline_history.as_of import (
	COVERED_FIELDS,
	STATE_FIELDS,
	end_of,
	open_states,
	states_of,
)
from opportunity_pipeline.pipeline_history.rules import CLOSING, MOVEMENT_LINES, OPENING, movement
from opportunity_pipeline.reporting.query import choose, require_company_and_range
from opportunity_pipeline.validation import date_value

GROUPINGS = {
	"": None,
	"Opportunity Owner": "opportunity_owner",
	"Territory": "territory",
	"Sales Stage": "sales_stage",
}
VALUES = ("Amount", "Weighted Amount", "Count")


def execute(filters=None):
	filters = _checked(frappe._dict(filters or {}))
	moves = _movements(filters)
	if filters.line:
		return _detail_columns(), _detail(moves, filters)
	group_field = GROUPINGS[filters.group_by]
	totals = _totals(moves, group_field)
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


def _movements(filters) -> list[tuple]:
	"""(opportunity, state before, state after, lines) of every opportunity in the pipeline at either end."""
	readable = readable_opportunities()
	start, end = end_of(filters.from_date), end_of(filters.to_date)
	# The summary reads what the as-of index covers (and the grouping's field); a drill-down, every field.
	fields = STATE_FIELDS
	if not filters.line:
		fields = (*COVERED_FIELDS, *filter(None, [GROUPINGS[filters.group_by]]))
	before = open_states(start, filters.company, readable, fields)
	after = open_states(end, filters.company, readable, fields)
	before.update(states_of(set(after) - set(before), start, filters.company, readable))
	after.update(states_of(set(before) - set(after), end, filters.company, readable))
	window = (filters.closing_from, filters.closing_to) if filters.closing_from else None
	moves = []
	for key in set(before) | set(after):
		old, new = before.get(key), after.get(key)
		if lines := movement(old, new, window):
			moves.append((key[0], old, new, lines))
	return moves


def _group(old, new, group_field):
	"""The group of an opportunity: from its state in the pipeline (the one read with every field)."""
	if not group_field:
		return ""
	state = new if new is not None and group_field in new else old
	return state.get(group_field) or ""


def _totals(moves, group_field) -> dict:
	"""group -> line -> [count, amount, weighted]."""
	totals = {}
	for _name, old, new, lines in moves:
		group = totals.setdefault(_group(old, new, group_field), {})
		for line, amount, weighted in lines:
			figures = group.setdefault(line, [0, 0.0, 0.0])
			figures[0] += 1
			figures[1] += amount
			figures[2] += weighted
	return totals or {"": {}}


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
		if filters.get("group") not in (None, "") and _group(old, new, group_field) != filters.group:
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
					"stage_after": (new or {}).get("sales_stage") or old.get("sales_stage"),
					"closing_before": old["expected_closing"] if old else None,
					"closing_after": new["expected_closing"] if new else None,
					"owner": (new or {}).get("opportunity_owner") or old.get("opportunity_owner"),
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
