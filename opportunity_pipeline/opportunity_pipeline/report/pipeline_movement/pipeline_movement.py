"""How the open pipeline moved between the end of From Date and the end of To Date: opening pipeline,
what came in (new, pulled in, reopened), what changed (amount, probability), what went out (pushed out,
won, lost, closed, deleted) and the closing pipeline, from the pipeline history. With an expected closing
window, the pipeline is what was expected to close in it, so moving the date in or out of it counts.

Each line is drillable: the Line filter lists its opportunities, with their values at both ends. Document
Type: CRM Deal reads Frappe CRM's deals' history instead (their statuses by type; no company: FCRM
Settings' currency)."""

from pypika.enums import Order

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Abs, Coalesce, Count, Function, Max, Sum
from frappe.query_builder.terms import ValueWrapper
from frappe.utils import add_days, today

from opportunity_pipeline.document_types import base_currency, chosen, status_values
from opportunity_pipeline.permissions import join_readable, readable_condition, readable_once
from opportunity_pipeline.pipeline_history.as_of import end_of, every_status, in_effect
from opportunity_pipeline.pipeline_history.record import STATE
from opportunity_pipeline.pipeline_history.rules import (
	CLOSING,
	CURRENT_SPAN,
	MOVEMENT_LINES,
	OPENING,
	PAIR_FLAGS,
	PAIR_SUMS,
	decode_flags,
	is_open,
	line_amount,
	line_kinds,
	movement,
	movement_terms,
)
from opportunity_pipeline.reporting.query import choose, require_company_and_range
from opportunity_pipeline.sql import Digest, digest, run_sorting_whole_rows, run_with_temporary_memory
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
# What the pairing of a month's changes on a site of a million opportunities needs to stay in memory
# (_changed); longer periods may go to disk, slower but the same.
PAIRING_MEMORY_MB = 64
# What each end of a changed opportunity always carries (_changed).
AMOUNTS = ("amount", "probability")
# A drill-down lists this many opportunities, the largest on its line first.
DRILL_DOWN_ROWS = 500


def execute(filters=None):
	filters = _checked(frappe._dict(filters or {}))
	doctype = filters.document.doctype
	with readable_once(readable_condition(doctype), doctype) as readable:
		return _execute(filters, readable)


def _execute(filters, readable):
	if filters.line:
		moves, more = _movements(filters, readable)
		message = None
		if more:
			message = _(
				"The {0} largest on this line; it holds more. Choose a shorter period or a group to see the others."
			).format(DRILL_DOWN_ROWS)
		return _detail_columns(filters.document), _detail(moves, filters), message
	group_field = GROUPINGS[filters.group_by]
	totals = _totals(filters, group_field, readable)
	currency = base_currency(filters.document, filters.company)
	table = [
		_row(key, lines, filters, currency, label=key if key or not group_field else _("Not Set"))
		for key, lines in sorted(totals.items(), key=_order)
	]
	if group_field and len(table) > 1:
		table.append(_row(None, _sum(totals.values()), filters, currency, label=_("Total"), bold=True))
	return _columns(filters, group_field), table, None, _chart(_sum(totals.values()), filters)


def _checked(filters):
	from_date = filters.get("from_date") or add_days(today(), -30)
	require_company_and_range(filters, from_date, filters.get("to_date") or today(), "Pipeline Movement")
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
	filters.document = chosen(filters.get("document_type"))
	filters.document_type = filters.document.doctype
	filters.statuses = status_values(filters.document)
	# The rows of the type: a company's are opportunities'; a type without a company has its own.
	filters.scope = filters.document.scope(filters.company)
	return filters


def _moments(filters):
	return end_of(filters.from_date), end_of(filters.to_date)


def _in_window(state, filters):
	"""The pipeline's condition on a row: open, and expected to close in the window when there is one."""
	condition = state.status.isin(filters.statuses.open)
	if filters.closing_from:
		condition &= state.expected_closing[filters.closing_from : filters.closing_to]
	return condition


def _unchanged(filters, readable):
	"""The pipeline rows in effect at both ends: what no change touched between them."""
	state = frappe.qb.DocType(STATE)
	start, end = _moments(filters)
	query = frappe.qb.from_(state).where(
		(state.company == filters.scope)
		& in_effect(state, start)
		& (state.valid_to.isnull() | (state.valid_to >= end))
		& _in_window(state, filters)
	)
	return join_readable(query, state, readable, filters.document_type), state


def _changed(filters, readable, fields=(), named=False):
	"""One row per opportunity that changed between the two ends. One scan of the as-of index reads its
	rows in effect at either end: the one that ended inside the period, and the one that began inside it
	and was still in effect at the end. Each row adds its end's rules.PAIR_FLAGS as bits (`flags`), and
	its amount and probability (`b_` before, `a_` after; 0 for a missing end), and `b_<field>` and
	`a_<field>` of `fields`.

	The summary groups by 16-byte digests of the name and of `fields` rather than by the text (`named`
	keeps the text, for the drill-down): MariaDB's in-memory temporary tables store a varchar at its
	full width, and with 140-character names a month of changes on a large site outgrew them onto disk.
	_digested() reads the fields' values back."""
	state = frappe.qb.DocType(STATE)
	start, end = _moments(filters)
	is_before = state.valid_from < start
	open_now = state.status.isin(filters.statuses.open)
	in_window = _in_window(state, filters)

	# the bits of PAIR_FLAGS, as the row is the one before or the one after
	def bit(condition, flag):
		return Case().when(condition, _bit(flag)).else_(0)

	bits = Case().when(is_before, _bit("had") + bit(in_window, "was") + bit(open_now, "was_open"))
	bits = bits.else_(
		_bit("has")
		+ bit(in_window, "stays")
		+ bit(open_now, "is_open")
		+ bit(state.status.isin(filters.statuses.won), "won")
		+ bit(state.status.isin(filters.statuses.lost), "lost")
	)

	def digest(term):
		return term if named else Digest(term)

	def at_end(value, end_is_before):
		side = is_before if end_is_before else state.valid_from >= start
		return Sum(Case().when(side, Coalesce(value, 0)).else_(0))

	return (
		join_readable(
			frappe.qb.from_(state).where(_changed_rows(state, filters)),
			state,
			readable,
			filters.document_type,
		)
		.groupby(digest(state.opportunity), state.deleted)
		.select(
			*([state.opportunity] if named else []),
			Sum(bits).as_("flags"),
			at_end(state.amount, True).as_("b_amount"),
			at_end(state.probability, True).as_("b_probability"),
			at_end(state.amount, False).as_("a_amount"),
			at_end(state.probability, False).as_("a_probability"),
			*(Max(Case().when(is_before, digest(state[field]))).as_(f"b_{field}") for field in fields),
			*(Max(Case().when(~is_before, digest(state[field]))).as_(f"a_{field}") for field in fields),
		)
	)


def _changed_rows(state, filters):
	"""The rows of the changed opportunities in effect at either end, as ranges of the as-of index."""
	start, end = _moments(filters)
	# Every status named, so the as-of index's ranges (company, lifetime class, status, start) apply.
	statuses = (state.company == filters.scope) & state.status.isin(every_status(filters.document))
	# A row that ended has left the current class: said outright, the range on current rows drops out.
	before = in_effect(state, start) & (state.span_class > CURRENT_SPAN) & (state.valid_to < end)
	after = in_effect(state, end) & (state.valid_from >= start)
	return statuses & (before | after)


def _digested(filters, field, digests) -> dict:
	"""digest -> value of `field`, for the `digests` the summary found: the names of the field's DocType
	(users, territories, stages) first; a value no longer among them is read from the changed rows. Only
	the digests of the summary, which counted only rows the user may read, are ever looked up here, so
	the changed rows are read whole: narrowed, they cost a second pass over what the user may read."""
	document = filters.document
	linked = {
		"opportunity_owner": "User",
		"territory": document.territory.doctype,
		"sales_stage": document.stage.doctype,
	}[field]
	values = {digest(name): name for name in frappe.get_all(linked, pluck="name")}
	if set(digests) - set(values) - {None}:
		state = frappe.qb.DocType(STATE)
		query = frappe.qb.from_(state).where(_changed_rows(state, filters))
		values.update(
			{digest(value): value for value in query.select(state[field]).distinct().run(pluck=True) if value}
		)
	return values


def _pair_sums(old_amount, new_amount, old_chance, new_chance) -> list:
	"""rules.PAIR_SUMS in SQL, in that order."""
	return [
		Sum(old_amount),
		Sum(new_amount),
		Sum(old_amount * old_chance / 100),
		Sum(new_amount * new_chance / 100),
		Sum(new_amount - old_amount),
		Sum((new_amount - old_amount) * old_chance / 100),
		Sum(new_amount * (new_chance - old_chance) / 100),
	]


def _add_moves(totals, group, flags, amount_sign, chance_sign, count, sums):
	"""Add `count` opportunities of one kind of move to their group's lines (rules.movement_terms)."""
	sums = dict(zip(PAIR_SUMS, (float(value or 0) for value in sums), strict=True))
	lines = totals.setdefault(group or "", {})
	for line, (amount_factor, amount_sum), (weighted_factor, weighted_sum) in movement_terms(
		flags, int(amount_sign or 0), int(chance_sign or 0)
	):
		figures = lines.setdefault(line, [0, 0.0, 0.0])
		figures[0] += int(count)
		figures[1] += amount_factor * sums[amount_sum]
		figures[2] += weighted_factor * sums[weighted_sum]


def _totals(filters, group_field, readable) -> dict:
	"""group -> line -> [count, amount, weighted]. The database adds up the figures of each kind of move
	(its flags, and whether the amount and the probability went up or down); rules.movement_terms says
	which lines each kind makes. The opportunities no change touched are one kind: in the pipeline at
	both ends with the same values."""
	unchanged, state = _unchanged(filters, readable)
	amount, chance = Coalesce(state.amount, 0), Coalesce(state.probability, 0)
	totals = {}
	still = decode_flags((1 << len(PAIR_FLAGS)) - 1) | {"won": False, "lost": False}
	query = unchanged.select(
		Max(state[group_field]) if group_field else ValueWrapper(""),
		Count("*"),
		*_pair_sums(amount, amount, chance, chance),
	)
	if group_field:  # by a digest of the text: MariaDB groups the long text several times slower
		query = query.groupby(Digest(state[group_field]))
	for group, count, *sums in query.run():
		_add_moves(totals, group, still, 0, 0, count, sums)

	pair = _changed(filters, readable, tuple(filter(None, [group_field])))
	key = ValueWrapper("")
	if group_field:  # where it is at the end when open there, else where it was (_group)
		key = Case().when(pair.flags.bitwiseand(_bit("is_open")) > 0, pair[f"a_{group_field}"])
		key = key.else_(pair[f"b_{group_field}"])
	amount_sign = Function("SIGN", pair.a_amount - pair.b_amount)
	chance_sign = Function("SIGN", pair.a_probability - pair.b_probability)
	query = (
		frappe.qb.from_(pair)
		.select(
			key,
			pair.flags,
			amount_sign,
			chance_sign,
			Count("*"),
			*_pair_sums(pair.b_amount, pair.a_amount, pair.b_probability, pair.a_probability),
		)
		.groupby(key, pair.flags, amount_sign, chance_sign)
	)
	moves = run_with_temporary_memory(query, PAIRING_MEMORY_MB)
	values = _digested(filters, group_field, [move[0] for move in moves]) if group_field else {}
	for group, flags, up_or_down, chance_up_or_down, count, *sums in moves:
		group = values.get(group, "")
		_add_moves(totals, group, decode_flags(int(flags)), up_or_down, chance_up_or_down, count, sums)
	return totals or {"": {}}


def _bit(flag: str) -> int:
	return 1 << PAIR_FLAGS.index(flag)


def _movements(filters, readable) -> tuple[list[tuple], bool]:
	"""(opportunity, state before, state after, lines) of the opportunities on the drill-down's line, in
	its group when one is chosen: the DRILL_DOWN_ROWS with the largest amount on it (rules.movement), and
	whether it holds more. The database picks them (rules.line_kinds and line_amount say which kinds of
	move make the line and what it amounts to), so a long period costs what its summary costs."""
	window = (filters.closing_from, filters.closing_to) if filters.closing_from else None
	group_field = GROUPINGS[filters.group_by]
	wanted = None
	if group_field and filters.get("group") not in (None, ""):
		wanted = "" if filters.group == NOT_SET else filters.group
	moves, more = [], False
	# What a drill-down row shows and rules.movement reads: all in the as-of index, so no table row is read.
	fields = list(
		dict.fromkeys(["status", "sales_stage", "expected_closing", "opportunity_owner", group_field])
	)
	fields = [field for field in fields if field]
	if filters.line in (OPENING, CLOSING):
		unchanged, state = _unchanged(filters, readable)
		if wanted is not None:
			unchanged = unchanged.where(Coalesce(state[group_field], "") == wanted)
		rows = run_sorting_whole_rows(
			unchanged.select(*(state[field] for field in ("opportunity", *AMOUNTS, *fields)))
			.orderby(Abs(Coalesce(state.amount, 0)), order=Order.desc)
			.limit(DRILL_DOWN_ROWS + 1),
			as_dict=True,
		)
		more = len(rows) > DRILL_DOWN_ROWS
		moves += [
			(row.opportunity, row, row, movement(row, row, window, filters.statuses))
			for row in rows[:DRILL_DOWN_ROWS]
		]
	rows = run_with_temporary_memory(
		_changed_on_line(filters, readable, fields, group_field, wanted), PAIRING_MEMORY_MB, as_dict=True
	)
	more |= len(rows) > DRILL_DOWN_ROWS
	for row in rows[:DRILL_DOWN_ROWS]:
		flags = decode_flags(int(row.flags))
		old, new = None, None
		if flags["had"]:
			old = {field: row[f"b_{field}"] for field in (*fields, *AMOUNTS)}
		if flags["has"]:
			new = {field: row[f"a_{field}"] for field in (*fields, *AMOUNTS)}
		if lines := movement(old, new, window, filters.statuses):
			moves.append((row.opportunity, old, new, lines))
	return moves, more


def _changed_on_line(filters, readable, fields, group_field, wanted):
	"""The changed opportunities whose kind of move makes the drill-down's line, in the group wanted,
	largest first on that line, DRILL_DOWN_ROWS and one more."""
	pair = _changed(filters, readable, fields, named=True)
	amount_sign = Function("SIGN", pair.a_amount - pair.b_amount)
	chance_sign = Function("SIGN", pair.a_probability - pair.b_probability)
	kind = pair.flags * 9 + (amount_sign + 1) * 3 + (chance_sign + 1)
	query = frappe.qb.from_(pair).select(pair.star).where(kind.isin(line_kinds(filters.line)))
	if wanted is not None:
		group = Case().when(pair.flags.bitwiseand(_bit("is_open")) > 0, pair[f"a_{group_field}"])
		query = query.where(Coalesce(group.else_(pair[f"b_{group_field}"]), "") == wanted)
	factor, term = line_amount(filters.line)
	terms = {
		"old_amount": pair.b_amount,
		"new_amount": pair.a_amount,
		"amount_change": pair.a_amount - pair.b_amount,
	}
	size = terms[term] if factor else pair.a_amount * (pair.a_probability - pair.b_probability)
	return query.orderby(Abs(size), order=Order.desc).limit(DRILL_DOWN_ROWS + 1)


def _group(old, new, group_field, open_statuses):
	"""The group of an opportunity: where it is at the end when it is in the pipeline there, else where
	it was at the start."""
	if not group_field:
		return ""
	state = new if new is not None and is_open(new, open_statuses) else old
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
	currency = base_currency(filters.document, filters.company)
	rows = []
	for name, old, new, lines in moves:
		wanted = "" if filters.get("group") == NOT_SET else filters.get("group")
		if (
			filters.get("group") not in (None, "")
			and _group(old, new, group_field, filters.statuses.open) != wanted
		):
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
	return sorted(rows, key=lambda row: (-abs(row["amount"]), -abs(row["weighted_amount"])))[:DRILL_DOWN_ROWS]


def _detail_columns(document):
	return [
		{
			"fieldname": "opportunity",
			"label": _(document.doctype),
			"fieldtype": "Link",
			"options": document.doctype,
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
			"options": document.stage.doctype,
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
