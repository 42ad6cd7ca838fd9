"""The pipeline history's rules: lifetime classes, stays in a stage, movement lines, accuracy, and the
timeline read back from Versions."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from opportunity_pipeline.pipeline_history.rules import (
	AMOUNT_DOWN,
	AMOUNT_UP,
	CLOSED,
	CLOSING,
	CURRENT_SPAN,
	DELETED,
	FROM_VERSIONS,
	LONGEST_SPAN,
	LOST,
	MOVEMENT_LINES,
	NEW,
	OPENING,
	PAIR_FLAGS,
	PAIR_SUMS,
	PROBABILITY_UP,
	PULLED_IN,
	PUSHED_OUT,
	REOPENED,
	UNTRACKED,
	WON,
	accuracy,
	company_amount,
	decode_flags,
	ends_follow_up,
	kind_code,
	line_amount,
	line_kinds,
	movement,
	movement_terms,
	next_contact_since,
	next_stage_fields,
	overall_accuracy,
	pair_flags,
	pair_sums,
	percentile,
	span_class,
	span_windows,
	stage_stays,
	status_stay_outcome,
	stay_outcome,
	timeline,
	version_value,
	with_derived_fields,
)

T0 = datetime(2026, 1, 1, 9, 0)


def state(status="Open", amount=1000, probability=50, closing=date(2026, 3, 15), stage="Qualification"):
	return {
		"status": status,
		"amount": amount,
		"probability": probability,
		"expected_closing": closing,
		"sales_stage": stage,
	}


@pytest.mark.parametrize(
	"days, expected",
	[(0.5, 1), (1, 1), (1.01, 2), (3, 3), (4, 3), (4096, 13), (4097, LONGEST_SPAN)],
)
def test_span_class_bounds_the_lifetime(days, expected):
	assert span_class(T0, T0 + timedelta(days=days)) == expected
	assert span_class(T0, None) == CURRENT_SPAN


def test_a_row_in_effect_is_found_in_its_class_window():
	"""Every closed row that covers a moment began inside its class's window: the as-of bound loses none."""
	moment = T0 + timedelta(days=100)
	windows = dict(span_windows(moment))
	for start_days in range(0, 100):
		for length in (0.2, 1, 2.5, 7, 40, 99.5, 300):
			valid_from = T0 + timedelta(days=start_days)
			valid_to = valid_from + timedelta(days=length)
			if valid_from < moment <= valid_to:
				earliest = windows[span_class(valid_from, valid_to)]
				assert earliest is None or valid_from >= earliest


def test_company_amount_uses_the_rate_and_the_stored_scale():
	assert company_amount(100, 1.2345) == Decimal("123.450000000")
	assert company_amount(100, 0) == Decimal("100.000000000")
	assert company_amount(None, None) == Decimal("0E-9")


def test_stays_start_end_and_carry():
	first = {**state(stage="A"), **next_stage_fields(None, state(stage="A"), T0)}
	assert first["stage_since"] == T0 and first["left_stage"] is None
	same_stage = state(stage="A", amount=2000)
	carried = next_stage_fields(first, same_stage, T0 + timedelta(days=3))
	assert carried == {"stage_since": T0, "left_stage": None, "stage_days": 0}
	moved = next_stage_fields({**same_stage, **carried}, state(stage="B"), T0 + timedelta(days=5))
	assert moved == {"stage_since": T0 + timedelta(days=5), "left_stage": "A", "stage_days": 5}
	won = next_stage_fields(
		{**state(stage="B"), **moved}, state("Converted", stage="B"), T0 + timedelta(days=9)
	)
	assert won["left_stage"] == "B" and won["stage_days"] == 4
	reopened = next_stage_fields(
		{**state("Converted", stage="B"), **won}, state(stage="B"), T0 + timedelta(days=20)
	)
	assert reopened == {"stage_since": T0 + timedelta(days=20), "left_stage": None, "stage_days": 0}


def test_stay_outcome():
	order = {"A": 0, "B": 1}
	assert stay_outcome("A", state(stage="B"), order) == "Forward"
	assert stay_outcome("B", state(stage="A"), order) == "Back"
	assert stay_outcome("B", state("Converted"), order) == "Won"
	assert stay_outcome("B", state("Lost"), order) == "Lost"
	assert stay_outcome("B", state("Closed"), order) == "Closed"


def test_stage_stays_for_the_form():
	states = [
		{**state(stage="A"), "valid_from": T0},
		{**state(stage="B"), "valid_from": T0 + timedelta(days=4)},
		{**state(stage="B", amount=5), "valid_from": T0 + timedelta(days=6)},
		{**state("Lost", stage="B"), "valid_from": T0 + timedelta(days=10)},
	]
	stays = stage_stays(with_derived_fields(states), now=T0 + timedelta(days=30))
	assert [(stay["stage"], stay["days"], stay["ended_as"]) for stay in stays] == [
		("A", 4, "Open"),
		("B", 6, "Lost"),
	]


def test_a_follow_up_runs_while_its_date_stays_the_next_step():
	due = T0 + timedelta(days=7)
	first = {**state(), "contact_date": due}
	first["contact_since"] = next_contact_since(None, first, T0)
	assert first["contact_since"] == T0
	replied = {**state("Replied", amount=5), "contact_date": due}
	assert next_contact_since(first, replied, T0 + timedelta(days=2)) == T0  # still open, same date
	moved = {**state(), "contact_date": due + timedelta(days=3)}
	assert next_contact_since(first, moved, T0 + timedelta(days=2)) == T0 + timedelta(days=2)
	assert next_contact_since(first, {**state(), "contact_date": None}, T0) is None
	assert next_contact_since(first, {**state("Lost"), "contact_date": due}, T0) is None
	reopened = next_contact_since({**state("Lost"), "contact_date": due}, first, T0 + timedelta(days=9))
	assert reopened == T0 + timedelta(days=9)  # a new run: the date was not the next step while lost


@pytest.mark.parametrize(
	"next_values, at_days, done",
	[
		({"contact_date": T0 + timedelta(days=14)}, 8, True),  # replaced after it came due
		({"contact_date": None}, 8, True),  # cleared
		({"status": "Converted"}, 8, True),  # left the pipeline
		({"contact_date": T0 + timedelta(days=14)}, 6, False),  # rescheduled before it came due
		({"amount": 5}, 8, False),  # another change: still waiting
		({"status": "Replied"}, 8, False),
	],
)
def test_what_ends_a_due_follow_up(next_values, at_days, done):
	row = {**state(), "contact_date": T0 + timedelta(days=7), "contact_since": T0}
	next_state = {**row, **next_values}
	assert ends_follow_up(row, next_state, T0 + timedelta(days=at_days)) is done


def test_a_date_set_after_it_passed_or_while_closed_was_never_due():
	late_entry = {**state(), "contact_date": T0, "contact_since": T0 + timedelta(days=1)}
	assert not ends_follow_up(late_entry, {**state(), "contact_date": None}, T0 + timedelta(days=2))
	closed = {**state("Lost"), "contact_date": T0, "contact_since": None}
	assert not ends_follow_up(closed, {**state("Lost"), "contact_date": None}, T0 + timedelta(days=2))


def test_derived_rows_mark_the_row_that_ended_a_follow_up():
	due = T0 + timedelta(days=7)
	states = [
		{**state(), "contact_date": due, "valid_from": T0},
		{**state(amount=5), "contact_date": due, "valid_from": T0 + timedelta(days=3)},
		{**state(amount=5), "contact_date": due + timedelta(days=7), "valid_from": due + timedelta(hours=2)},
	]
	rows = with_derived_fields(states)
	assert [row["contact_since"] for row in rows] == [T0, T0, due + timedelta(hours=2)]
	assert [row["ends_follow_up"] for row in rows] == [0, 1, 0]


def test_percentile_nearest_rank():
	assert percentile({}, 0.5) is None
	assert percentile({1: 1, 2: 1, 3: 1, 10: 1}, 0.5) == 2
	assert percentile({1: 1, 2: 1, 3: 1, 10: 1}, 0.75) == 3
	assert percentile({5: 3}, 0.75) == 5


def totals(lines):
	return {line: (amount, weighted) for line, amount, weighted in lines}


@pytest.mark.parametrize(
	"before, after, window, expected",
	[
		(None, state(), None, {CLOSING, NEW}),
		(state(), None, None, {OPENING, DELETED}),
		(state(), state("Converted"), None, {OPENING, WON}),
		(state(), state("Lost"), None, {OPENING, LOST}),
		(state(), state("Closed"), None, {OPENING, CLOSED}),
		(state("Lost"), state(), None, {REOPENED, CLOSING}),
		(
			state(closing=date(2026, 6, 1)),
			state(),
			(date(2026, 3, 1), date(2026, 3, 31)),
			{PULLED_IN, CLOSING},
		),
		(
			state(),
			state(closing=date(2026, 6, 1)),
			(date(2026, 3, 1), date(2026, 3, 31)),
			{OPENING, PUSHED_OUT},
		),
		(state(), state(amount=1500), None, {OPENING, CLOSING, AMOUNT_UP}),
		(state(), state(amount=500), None, {OPENING, CLOSING, AMOUNT_DOWN}),
		(state(), state(probability=80), None, {OPENING, CLOSING, PROBABILITY_UP}),
		(state("Lost"), state("Closed"), None, set()),
	],
)
def test_movement_lines(before, after, window, expected):
	assert set(totals(movement(before, after, window))) == expected


def test_movement_adds_up():
	"""Opening plus every change is closing, for the amount and the weighted amount."""
	pairs = [
		(state(), state(amount=1500, probability=80)),
		(state(), state(amount=300, probability=10)),
		(None, state(amount=700)),
		(state(amount=250), state("Converted")),
		(state("Lost"), state(amount=90, probability=30)),
	]
	opening = closing = changes = (0.0, 0.0)
	for before, after in pairs:
		for line, amount, weighted in movement(before, after):
			if line == OPENING:
				opening = (opening[0] + amount, opening[1] + weighted)
			elif line == CLOSING:
				closing = (closing[0] + amount, closing[1] + weighted)
			else:
				changes = (changes[0] + amount, changes[1] + weighted)
	assert opening[0] + changes[0] == pytest.approx(closing[0])
	assert opening[1] + changes[1] == pytest.approx(closing[1])


def test_accuracy():
	assert accuracy(120, 100) == {"forecast": 120, "actual": 100, "error": 20, "error_percent": 20.0}
	assert accuracy(50, 0)["error_percent"] is None
	overall = overall_accuracy([accuracy(120, 100), accuracy(80, 100)])
	assert overall["bias_percent"] == 0
	assert overall["absolute_percent"] == 20


def current_values(**values):
	base = {
		"company": "C",
		"status": "Open",
		"sales_stage": "A",
		"opportunity_amount": 100,
		"conversion_rate": 1,
		"probability": 10,
		"expected_closing": date(2026, 3, 1),
		"opportunity_owner": None,
		"contact_by": None,
		"territory": "T",
		"opportunity_type": "Sales",
		"source": None,
	}
	return {**base, **values}


def test_timeline_walks_the_versions_from_the_creation_values():
	versions = [
		(T0 + timedelta(days=2), [["sales_stage", "A", "B"], ["probability", 10, 40]]),
		(T0 + timedelta(days=5), [["notes", "x", "y"]]),  # nothing tracked: no row
		(T0 + timedelta(days=7), [["opportunity_amount", 80, 100]]),
	]
	current = current_values(sales_stage="B", probability=40)
	rows = timeline(current, T0, T0 + timedelta(days=7), versions)
	assert [(row["valid_from"], row["sales_stage"], row["amount"], row["origin"]) for row in rows] == [
		(T0, "A", Decimal("80.000000000"), FROM_VERSIONS),
		(T0 + timedelta(days=2), "B", Decimal("80.000000000"), FROM_VERSIONS),
		(T0 + timedelta(days=7), "B", Decimal("100.000000000"), FROM_VERSIONS),
	]


def test_a_change_no_version_holds_is_dated_at_the_last_modification():
	versions = [(T0 + timedelta(days=2), [["sales_stage", "A", "B"], ["status", "Open", "Replied"]])]
	current = current_values(sales_stage="B", status="Quotation")
	rows = timeline(current, T0, T0 + timedelta(days=9), versions)
	assert rows[-1]["origin"] == UNTRACKED
	assert rows[-1]["valid_from"] == T0 + timedelta(days=9)
	assert rows[-1]["status"] == "Quotation" and rows[-2]["status"] == "Replied"


def test_a_status_the_app_dated_applies_then():
	"""ERPNext's db_set left no Version of the conversion; Converted On dates it, Open before it."""
	versions = [(T0 + timedelta(days=2), [["sales_stage", "A", "B"]])]
	current = current_values(sales_stage="B", status="Converted")
	won_at = T0 + timedelta(days=5)
	rows = timeline(current, T0, T0 + timedelta(days=9), versions, [(won_at, "status", "Converted")])
	assert [(row["valid_from"], row["status"], row["origin"]) for row in rows] == [
		(T0, "Open", FROM_VERSIONS),
		(T0 + timedelta(days=2), "Open", FROM_VERSIONS),
		(won_at, "Converted", UNTRACKED),
	]


def test_an_opportunity_without_versions_has_one_row():
	rows = with_derived_fields(timeline(current_values(), T0, T0, []))
	assert len(rows) == 1 and rows[0]["valid_to"] is None and rows[0]["span_class"] == CURRENT_SPAN
	assert rows[0]["stage_since"] == T0


@pytest.mark.parametrize(
	"field, value, number_format, date_format, expected",
	[
		("probability", "20.0%", (".", ","), "dd-mm-yyyy", 20.0),
		("opportunity_amount", "$ 1,200.50", (".", ","), "dd-mm-yyyy", 1200.5),
		("opportunity_amount", "1.200,50 €", (",", "."), "dd.mm.yyyy", 1200.5),
		("opportunity_amount", "Rs. 1,00,000.00", (".", ","), "dd-mm-yyyy", 100000.0),
		("opportunity_amount", "-300.00", (".", ","), "dd-mm-yyyy", -300.0),
		("opportunity_amount", 0.0, (".", ","), "dd-mm-yyyy", 0.0),
		("conversion_rate", "1.5", (".", ","), "dd-mm-yyyy", 1.5),
		("expected_closing", "15-03-2026", (".", ","), "dd-mm-yyyy", date(2026, 3, 15)),
		("expected_closing", "03/15/2026", (".", ","), "mm/dd/yyyy", date(2026, 3, 15)),
		("expected_closing", "2026-03-15", (".", ","), "dd-mm-yyyy", date(2026, 3, 15)),
		("expected_closing", None, (".", ","), "dd-mm-yyyy", None),
		("sales_stage", "Proposal/Price Quote", (".", ","), "dd-mm-yyyy", "Proposal/Price Quote"),
	],
)
def test_version_values_are_read_back_from_their_display_form(
	field, value, number_format, date_format, expected
):
	assert version_value(field, value, number_format, date_format) == expected


def test_flags_survive_their_bits():
	"""The report adds each end's flags up as bits (1 << their place in PAIR_FLAGS) per opportunity."""
	for before in (None, state(), state("Lost"), state(closing=date(2026, 6, 1))):
		for after in (None, state(), state("Converted"), state("Lost"), state("Closed"), state(amount=1)):
			flags = pair_flags(before, after, (date(2026, 3, 1), date(2026, 3, 31)))
			bits = sum(1 << number for number, flag in enumerate(PAIR_FLAGS) if flags[flag])
			assert decode_flags(bits) == flags


def test_kinds_of_move_add_up_like_single_moves():
	"""Summing the PAIR_SUMS of several opportunities of one kind and applying movement_terms once gives
	the sum of their single movements: what lets the database add up each kind."""
	pairs = [
		(state(amount=amount, probability=chance), state(amount=amount * 2, probability=chance + 10))
		for amount, chance in ((100, 10), (250, 40), (75, 90))
	]
	single = {}
	for before, after in pairs:
		for line, amount, weighted in movement(before, after):
			figures = single.setdefault(line, [0.0, 0.0])
			figures[0] += amount
			figures[1] += weighted
	sums = {name: sum(pair_sums(before, after)[name] for before, after in pairs) for name in PAIR_SUMS}
	together = {
		line: [amount_factor * sums[amount_sum], weighted_factor * sums[weighted_sum]]
		for line, (amount_factor, amount_sum), (weighted_factor, weighted_sum) in movement_terms(
			pair_flags(*pairs[0]), 1, 1
		)
	}
	assert set(together) == set(single)
	for line, figures in single.items():
		assert together[line] == pytest.approx(figures)


def test_each_drill_down_line_is_made_by_the_kinds_its_summary_counts():
	"""rules.line_kinds (what a drill-down selects in SQL) against movement_terms, kind by kind, and one
	amount term per line (line_amount)."""
	for line in MOVEMENT_LINES:
		kinds = set(line_kinds(line))
		for bits in range(1 << len(PAIR_FLAGS)):
			for amount_sign in (-1, 0, 1):
				for chance_sign in (-1, 0, 1):
					lines = [term[0] for term in movement_terms(decode_flags(bits), amount_sign, chance_sign)]
					assert (kind_code(bits, amount_sign, chance_sign) in kinds) == (line in lines)
		factor, term = line_amount(line)
		assert factor in (-1, 0, 1) and term in PAIR_SUMS
	assert line_amount("Won") == (-1, "old_amount")
	assert line_amount("Probability Raised")[0] == 0  # its amount does not move; its weighted amount does


def test_status_stay_outcome_on_deals():
	from opportunity_pipeline.pipeline_document import CRM_DEAL

	groups, order = CRM_DEAL.status_groups, {"Qualify": 0, "Demo": 1, "Won it": 2, "Lost it": 3}
	assert status_stay_outcome("Qualify", "Demo", "Ongoing", groups, order) == "Forward"
	assert status_stay_outcome("Demo", "Qualify", "Open", groups, order) == "Back"
	assert status_stay_outcome("Demo", "Won it", "Won", groups, order) == "Won"
	assert status_stay_outcome("Qualify", "Lost it", "Lost", groups, order) == "Lost"
	# A status the order does not know counts as the first.
	assert status_stay_outcome("Demo", "New one", "Open", groups, order) == "Back"
