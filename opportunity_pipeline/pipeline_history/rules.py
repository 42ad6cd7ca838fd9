"""The pipeline history's rules over plain values: what a state is, when one ends, how a row's lifetime
bounds the rows an as-of query reads, how a stay in a stage is measured, how the pipeline moved between
two dates, and how the Version history of an opportunity written before the app is read back.

A state row holds the tracked values of one opportunity over [valid_from, valid_to); valid_to is empty
while the row is current. "As it stood at moment m" is the row with valid_from < m <= valid_to (or no
valid_to): the state just before m, so the end of a day is the start of the next.
"""

import re
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from opportunity_pipeline.pipeline_document import OPPORTUNITY, StatusGroups
from opportunity_pipeline.statuses import LOST_STATUSES, OPEN_STATUSES, WON_STATUSES

# The values of an opportunity the history keeps; a row is written when one of them changes.
TRACKED_FIELDS = (
	"company",
	"status",
	"sales_stage",
	"amount",
	"probability",
	"expected_closing",
	"opportunity_owner",
	"contact_by",
	"contact_date",
	"territory",
	"opportunity_type",
	"source",
)

# Where a row came from: written as it happened, or read back from Versions by the backfill.
RECORDED = "Recorded"
FROM_VERSIONS = "Reconstructed from Versions"
# A change no Version holds (ERPNext sets the status with db_set, which writes none): the backfill knows
# only that it happened by the opportunity's last modification, and dates it there.
UNTRACKED = "Untracked Change"
ORIGINS = (RECORDED, FROM_VERSIONS, UNTRACKED)

# Lifetime classes. A closed row of class k lasted at most SPAN_DAYS[k - 1] days, so it can be in effect
# at moment m only if it began within that many days before m: an as-of query reads, per class, the rows
# that began in that window, a few times the answer, instead of every row that began before m.
CURRENT_SPAN = 0
SPAN_DAYS = tuple(2**power for power in range(13))  # 1 day .. 4096 days: classes 1 .. 13
LONGEST_SPAN = len(SPAN_DAYS) + 1  # longer than 4096 days: no bound

AMOUNT_PLACES = Decimal("0.000000001")  # the scale of the stored amount (Currency: decimal(21, 9))


def span_class(valid_from: datetime, valid_to: datetime | None) -> int:
	if valid_to is None:
		return CURRENT_SPAN
	days = (valid_to - valid_from).total_seconds() / 86400
	for number, limit in enumerate(SPAN_DAYS, start=1):
		if days <= limit:
			return number
	return LONGEST_SPAN


def span_windows(moment: datetime) -> list[tuple[int, datetime | None]]:
	"""(class, earliest valid_from a row of that class in effect at `moment` can have); None: no bound."""
	windows = [(CURRENT_SPAN, None)]
	windows += [(number, moment - timedelta(days=days)) for number, days in enumerate(SPAN_DAYS, start=1)]
	return [*windows, (LONGEST_SPAN, None)]


def company_amount(amount, conversion_rate) -> Decimal:
	"""The opportunity's amount in company currency at the stored scale, as SQL computes it (a rate of 0
	or none counts as 1)."""
	rate = Decimal(str(conversion_rate)) if conversion_rate and float(conversion_rate) > 0 else Decimal(1)
	return (Decimal(str(amount or 0)) * rate).quantize(AMOUNT_PLACES, rounding=ROUND_HALF_UP)


def is_open(state, open_statuses=OPEN_STATUSES) -> bool:
	"""`open_statuses`: the document type's (a deal's are the site's CRM Deal Statuses of an open type)."""
	return bool(state) and state["status"] in open_statuses


# Stays in a stage ---------------------------------------------------------------------------------------


def next_stage_fields(previous, state, valid_from: datetime, open_statuses=OPEN_STATUSES) -> dict:
	"""stage_since, left_stage and stage_days of a new row. A stay is a continuous time in one stage while
	open; it ends when the stage changes or the opportunity leaves the pipeline, and the row that ends it
	records the stage left and whole days spent there (0 on the other rows, where no stage is left). The same rule is written in SQL in record.py."""
	stage_changed = previous is None or previous["sales_stage"] != state["sales_stage"]
	was_open, now_open = is_open(previous, open_statuses), is_open(state, open_statuses)
	stay_ends = was_open and (stage_changed or not now_open)
	starts = now_open and (stage_changed or not was_open)
	return {
		"stage_since": valid_from if starts or previous is None else previous["stage_since"],
		"left_stage": previous["sales_stage"] if stay_ends else None,
		"stage_days": (valid_from.date() - previous["stage_since"].date()).days if stay_ends else 0,
	}


# Follow-ups -------------------------------------------------------------------------------------------


def next_contact_since(previous, state, valid_from: datetime, open_statuses=OPEN_STATUSES):
	"""contact_since of a new row: since when its Next Contact Date has been the open opportunity's next
	step. One date stays the next step while the opportunity stays open and the date unchanged. The same
	rule is written in SQL in record.py."""
	if not is_open(state, open_statuses) or state.get("contact_date") is None:
		return None
	if is_open(previous, open_statuses) and previous.get("contact_date") == state["contact_date"]:
		return previous.get("contact_since")
	return valid_from


def ends_follow_up(row, next_state, valid_to: datetime, open_statuses=OPEN_STATUSES) -> bool:
	"""Whether the change at `valid_to` (to `next_state`) did the follow-up `row` was waiting for: its
	Next Contact Date was the open opportunity's next step when it came (contact_since <= the date <
	valid_to), and the change replaces or clears the date or takes the opportunity out of the pipeline.
	The app sees the next step change, not the call."""
	due, since = row.get("contact_date"), row.get("contact_since")
	if not is_open(row, open_statuses) or due is None or since is None or not since <= due < valid_to:
		return False
	return not is_open(next_state, open_statuses) or next_state.get("contact_date") != due


def stay_outcome(left_stage: str, state, stage_order: dict) -> str:
	"""How a stay ended, read from the row that ended it: Won, Lost, Closed, Forward or Back."""
	if state["status"] in WON_STATUSES:
		return "Won"
	if state["status"] in LOST_STATUSES:
		return "Lost"
	if not is_open(state):
		return "Closed"
	before, after = stage_order.get(left_stage, 0), stage_order.get(state["sales_stage"], 0)
	return "Forward" if after >= before else "Back"


def status_stay_outcome(
	left_status: str, next_status: str, next_kind: str, groups, status_order: dict
) -> str:
	"""How a stay in a status ended where the status is the stage (Frappe CRM's deals), read from the
	status it went to and that status's kind (its group in `groups`, a pipeline_document.StatusGroups):
	Won, Lost, Closed, or Forward or Back by the statuses' order."""
	if next_kind in groups.won:
		return "Won"
	if next_kind in groups.lost:
		return "Lost"
	if next_kind in groups.closed:
		return "Closed"
	before, after = status_order.get(left_status, 0), status_order.get(next_status, 0)
	return "Forward" if after >= before else "Back"


def stage_stays(rows: list[dict], now: datetime) -> list[dict]:
	"""An opportunity's stays in each stage, from its rows in order: stage, from, to (None while there),
	whole days, and the status it left with. For the form's history section."""
	stays = []
	for row in rows:
		if stays and stays[-1]["to"] is None and row.get("left_stage") is not None:
			stays[-1].update(to=row["valid_from"], ended_as=row["status"])
		if is_open(row) and row["stage_since"] == row["valid_from"]:
			stays.append(
				{"stage": row["sales_stage"], "from": row["valid_from"], "to": None, "ended_as": None}
			)
	for stay in stays:
		stay["days"] = ((stay["to"] or now).date() - stay["from"].date()).days
	return stays


def percentile(histogram: dict[int, int], share: float) -> int | None:
	"""The nearest-rank percentile of whole days given as {days: count}."""
	total = sum(histogram.values())
	if not total:
		return None
	rank, seen = max(1, -(-total * share // 1)), 0
	for days in sorted(histogram):
		seen += histogram[days]
		if seen >= rank:
			return days
	return None


# Movement -----------------------------------------------------------------------------------------------

OPENING = "Opening"
NEW = "New"
PULLED_IN = "Pulled In"
REOPENED = "Reopened"
PUSHED_OUT = "Pushed Out"
AMOUNT_UP = "Amount Increased"
AMOUNT_DOWN = "Amount Decreased"
PROBABILITY_UP = "Probability Raised"
PROBABILITY_DOWN = "Probability Lowered"
WON = "Won"
LOST = "Lost"
CLOSED = "Closed"
DELETED = "Deleted"
CLOSING = "Closing"
MOVEMENT_LINES = (
	OPENING,
	NEW,
	PULLED_IN,
	REOPENED,
	AMOUNT_UP,
	AMOUNT_DOWN,
	PROBABILITY_UP,
	PROBABILITY_DOWN,
	PUSHED_OUT,
	WON,
	LOST,
	CLOSED,
	DELETED,
	CLOSING,
)


def in_pipeline(state, window, open_statuses=OPEN_STATUSES) -> bool:
	"""Open, and expected to close in `window` (start, end) when there is one."""
	if not is_open(state, open_statuses):
		return False
	if window is None:
		return True
	closing = state.get("expected_closing")
	return closing is not None and window[0] <= closing <= window[1]


def weighted(state) -> float:
	return float(state["amount"] or 0) * float(state["probability"] or 0) / 100


# What decides an opportunity's lines between two moments, as bits so a query can add them up per
# opportunity (each end contributes its own): it existed before / was in the pipeline / was open; it
# exists after / is in the pipeline / is open / was won / was lost.
PAIR_FLAGS = ("had", "was", "was_open", "has", "stays", "is_open", "won", "lost")
# The sums a line's figures are made of, over the opportunities of one kind of move.
PAIR_SUMS = (
	"old_amount",
	"new_amount",
	"old_weighted",
	"new_weighted",
	"amount_change",
	"amount_change_weighted",
	"chance_change_weighted",
)


def pair_flags(
	before, after, window=None, statuses: StatusGroups = OPPORTUNITY.status_groups
) -> dict[str, bool]:
	return {
		"had": before is not None,
		"was": in_pipeline(before, window, statuses.open),
		"was_open": before is not None and is_open(before, statuses.open),
		"has": after is not None,
		"stays": in_pipeline(after, window, statuses.open),
		"is_open": after is not None and is_open(after, statuses.open),
		"won": after is not None and after["status"] in statuses.won,
		"lost": after is not None and after["status"] in statuses.lost,
	}


def decode_flags(bits: int) -> dict[str, bool]:
	return {flag: bool(bits & (1 << number)) for number, flag in enumerate(PAIR_FLAGS)}


def _amount_and_chance(state) -> tuple[float, float]:
	return (float(state["amount"] or 0), float(state["probability"] or 0)) if state else (0.0, 0.0)


def pair_sums(before, after) -> dict[str, float]:
	"""PAIR_SUMS of one opportunity: a change of both amount and probability is split into
	(new amount - old amount) x old probability and new amount x (new probability - old)."""
	(old_amount, old_chance), (new_amount, new_chance) = _amount_and_chance(before), _amount_and_chance(after)
	return {
		"old_amount": old_amount,
		"new_amount": new_amount,
		"old_weighted": old_amount * old_chance / 100,
		"new_weighted": new_amount * new_chance / 100,
		"amount_change": new_amount - old_amount,
		"amount_change_weighted": (new_amount - old_amount) * old_chance / 100,
		"chance_change_weighted": new_amount * (new_chance - old_chance) / 100,
	}


def movement_terms(flags: dict, amount_sign: int, chance_sign: int) -> list[tuple[str, tuple, tuple]]:
	"""The lines of one kind of move: (line, (factor, sum) of the amount, (factor, sum) of the weighted
	amount), the sums named in PAIR_SUMS. Opening plus every line but Closing equals Closing."""
	was, stays = flags["was"], flags["stays"]
	lines = []
	if was:
		lines.append((OPENING, (1, "old_amount"), (1, "old_weighted")))
	if stays:
		lines.append((CLOSING, (1, "new_amount"), (1, "new_weighted")))
	if was and stays:
		if amount_sign:
			line = AMOUNT_UP if amount_sign > 0 else AMOUNT_DOWN
			lines.append((line, (1, "amount_change"), (1, "amount_change_weighted")))
		if chance_sign:
			line = PROBABILITY_UP if chance_sign > 0 else PROBABILITY_DOWN
			lines.append((line, (0, "amount_change"), (1, "chance_change_weighted")))
	elif stays:
		line = NEW if not flags["had"] else (PULLED_IN if flags["was_open"] else REOPENED)
		lines.append((line, (1, "new_amount"), (1, "new_weighted")))
	elif was:
		if not flags["has"]:
			line = DELETED
		elif flags["won"]:
			line = WON
		elif flags["lost"]:
			line = LOST
		elif flags["is_open"]:
			line = PUSHED_OUT
		else:
			line = CLOSED
		lines.append((line, (-1, "old_amount"), (-1, "old_weighted")))
	return lines


# A kind of move as one number, for a query to compare: its PAIR_FLAGS bits, then the signs (-1, 0, 1) of
# its amount's and its probability's change.
def kind_code(bits: int, amount_sign: int, chance_sign: int) -> int:
	return bits * 9 + (amount_sign + 1) * 3 + (chance_sign + 1)


def line_kinds(line: str) -> list[int]:
	"""The kind_codes of every kind of move that makes `line` (movement_terms): what a drill-down
	selects in SQL, so that it reads only that line's opportunities."""
	return [
		kind_code(bits, amount_sign, chance_sign)
		for bits in range(1 << len(PAIR_FLAGS))
		for amount_sign in (-1, 0, 1)
		for chance_sign in (-1, 0, 1)
		if any(term[0] == line for term in movement_terms(decode_flags(bits), amount_sign, chance_sign))
	]


def line_amount(line: str) -> tuple[int, str]:
	"""(factor, one of PAIR_SUMS) of a line's amount: the same for every kind of move that makes it."""
	terms = {
		amount
		for code in line_kinds(line)
		for name, amount, _weighted in movement_terms(
			decode_flags(code // 9), code // 3 % 3 - 1, code % 3 - 1
		)
		if name == line
	}
	(term,) = terms
	return term


def _sign(value: float) -> int:
	return (value > 0) - (value < 0)


def movement(
	before, after, window=None, statuses: StatusGroups = OPPORTUNITY.status_groups
) -> list[tuple[str, float, float]]:
	"""(line, amount, weighted amount) of one opportunity between two moments; `before` and `after` are
	its states then (None: it did not exist yet, or no longer)."""
	(old_amount, old_chance), (new_amount, new_chance) = _amount_and_chance(before), _amount_and_chance(after)
	sums = pair_sums(before, after)
	terms = movement_terms(
		pair_flags(before, after, window, statuses),
		_sign(new_amount - old_amount),
		_sign(new_chance - old_chance),
	)
	return [
		(line, amount_factor * sums[amount_sum], weighted_factor * sums[weighted_sum])
		for line, (amount_factor, amount_sum), (weighted_factor, weighted_sum) in terms
	]


# Forecast accuracy --------------------------------------------------------------------------------------


def accuracy(forecast: float, actual: float) -> dict:
	"""Error (forecast - actual: positive means over-forecast) and the error as a share of the actual."""
	error = forecast - actual
	return {
		"forecast": forecast,
		"actual": actual,
		"error": error,
		"error_percent": error * 100 / actual if actual else None,
	}


def overall_accuracy(rows: list[dict]) -> dict:
	"""Bias: the summed error as a share of what was won; weighted absolute error (WAPE): the summed size
	of the errors as that share, so months that over- and under-forecast do not cancel."""
	actual = sum(row["actual"] for row in rows)
	forecast = sum(row["forecast"] for row in rows)
	absolute = sum(abs(row["forecast"] - row["actual"]) for row in rows)
	return {
		"forecast": forecast,
		"actual": actual,
		"bias_percent": (forecast - actual) * 100 / actual if actual else None,
		"absolute_percent": absolute * 100 / actual if actual else None,
	}


# Backfill -----------------------------------------------------------------------------------------------


def timeline(current: dict, created: datetime, modified: datetime, versions: list, stamped=()) -> list[dict]:
	"""An opportunity's states rebuilt from its Versions, oldest first: {"valid_from", "origin", **values}.

	`current` holds today's values of the source fields (TRACKED_FIELDS, with opportunity_amount and
	conversion_rate in place of amount); `versions` are (when, changed) pairs in order, `changed` being a
	Version's [fieldname, old, new] list. The state at creation takes, for each field, the old value of
	its first change, else today's value. Each Version applies its new values.

	ERPNext sets the status with db_set, which writes no Version. `stamped` are (when, field, value)
	changes the app dated otherwise (Converted On, Lost On): they apply at that moment, and a status first
	seen there was Open before (ERPNext's default for a new opportunity). A difference still left at the
	end is dated at the last modification, the latest moment it can have happened. Rows from either are
	marked UNTRACKED; values nothing recorded are today's, never guessed."""
	source_fields = [*(field for field in TRACKED_FIELDS if field != "amount"), "opportunity_amount"]
	source_fields.append("conversion_rate")
	first_old, changes = {}, []
	for when, changed in versions:
		step = {}
		for entry in changed or []:
			if isinstance(entry, list | tuple) and len(entry) == 3 and entry[0] in source_fields:
				field, old, new = entry
				first_old.setdefault(field, old)
				step[field] = new
		if step:
			changes.append((when, step, FROM_VERSIONS))
	for when, field, value in stamped:
		if when and when > created:
			first_old.setdefault(field, "Open" if field == "status" else current.get(field))
			changes.append((when, {field: value}, UNTRACKED))
	changes.sort(key=lambda change: change[0])

	values = {field: first_old.get(field, current.get(field)) for field in source_fields}
	states = [_state(values, created, FROM_VERSIONS)]
	for when, step, origin in changes:
		values = {**values, **step}
		states.append(_state(values, max(when, created), origin))
	final = _state(current, max(modified, states[-1]["valid_from"]), UNTRACKED)
	if _values(final) != _values(states[-1]):
		states.append(final)
	return _without_repeats(states)


NUMBER_FIELDS = ("opportunity_amount", "conversion_rate", "probability")
DATE_FIELDS = ("expected_closing",)
DATETIME_FIELDS = ("contact_date",)


def version_value(field: str, value, number_format: tuple[str, str], date_format: str):
	"""A value as a Version holds it, back to the stored one. Frappe writes a number, a percentage or a
	date or a moment formatted for display ("$ 1,200.00", "20.0%", "15-03-2026", "15-03-2026 10:30:00") unless it is empty; number_format is
	(decimal separator, thousands separator) and date_format Frappe's ("dd-mm-yyyy"), the site's."""
	if not isinstance(value, str) or not value:
		return value
	if field in NUMBER_FIELDS:
		decimal, thousands = number_format
		digits = re.search(r"-?\d[\d\s" + re.escape(decimal + thousands) + r"]*", value)
		if not digits:
			return None
		text = digits.group(0).replace(thousands, "").replace(" ", "").replace(decimal, ".")
		return float(text.rstrip("."))
	pattern = date_format.replace("yyyy", "%Y").replace("mm", "%m").replace("dd", "%d")
	if field in DATE_FIELDS:
		for candidate in (pattern, "%Y-%m-%d"):
			try:
				return datetime.strptime(value, candidate).date()
			except ValueError:
				continue
		return None
	if field in DATETIME_FIELDS:
		for candidate in (
			f"{pattern} %H:%M:%S",
			f"{pattern} %H:%M",
			"%Y-%m-%d %H:%M:%S",
			"%Y-%m-%d %H:%M:%S.%f",
		):
			try:
				return datetime.strptime(value, candidate)
			except ValueError:
				continue
		return None
	return value


def with_derived_fields(states: list[dict]) -> list[dict]:
	"""The rows to store for `states` (one opportunity, oldest first): valid_to, span class, stays and
	follow-ups."""
	rows, previous = [], None
	for number, state in enumerate(states):
		valid_to = states[number + 1]["valid_from"] if number + 1 < len(states) else None
		row = {**state, "valid_to": valid_to, "span_class": span_class(state["valid_from"], valid_to)}
		row.update(next_stage_fields(previous, row, state["valid_from"]))
		row["contact_since"] = next_contact_since(previous, row, state["valid_from"])
		if previous is not None:
			previous["ends_follow_up"] = int(ends_follow_up(previous, row, row["valid_from"]))
		row["ends_follow_up"] = 0
		rows.append(row)
		previous = row
	return rows


def _state(values: dict, valid_from: datetime, origin: str) -> dict:
	state = {field: _clean(values.get(field)) for field in TRACKED_FIELDS if field != "amount"}
	state["amount"] = company_amount(values.get("opportunity_amount"), values.get("conversion_rate"))
	state["probability"] = Decimal(str(values.get("probability") or 0)).quantize(AMOUNT_PLACES)
	return {**state, "valid_from": valid_from, "origin": origin}


def _clean(value):
	return None if value == "" else value


def _values(state: dict) -> tuple:
	return tuple(str(state.get(field)) for field in TRACKED_FIELDS)


def _without_repeats(states: list[dict]) -> list[dict]:
	kept = []
	for state in states:
		if kept and _values(kept[-1]) == _values(state):
			continue
		if kept and state["valid_from"] <= kept[-1]["valid_from"]:
			kept[-1] = {**state, "valid_from": kept[-1]["valid_from"]}  # two changes in the same instant
			continue
		kept.append(state)
	return kept
