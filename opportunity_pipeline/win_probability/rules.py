"""Win probability learned from the site's own wins and losses: naive Bayes over an opportunity's fields,
with its sales stage choosing who it is compared with.

The stage rule. A won opportunity passed through every stage, so it counts as won at each of them (sites
rarely move the stage to the last one before converting). A lost opportunity counts as lost at the stage
it was lost in and at every stage before it: it reached those, and says nothing about the later ones. The
chance of an open opportunity at stage k is then learned from the opportunities that *reached* stage k,
which is what "at stage k" means for one still open. Its other fields are compared within that same
population (wins against the losses that reached stage k), so a source that keeps deals alive late but
loses them at the end is not credited at the early stages.

"No stage" is the population of every closed opportunity: the prior. A stage, or a field value, seen fewer
than `min_count` times in its population falls back to the prior (the stage) or has no effect (a value),
and so has a value whose effect is within two standard errors of none. Counts are smoothed by adding one to every cell (Laplace), so no value ever makes a chance 0 or 100 %.
"""

import math
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise

STAGE_FIELD = "sales_stage"
# The population of every closed opportunity, and the value of a blank field.
NO_STAGE = ""
BLANK = ""

# The fields the model may use besides the stage, each with its Selling Settings check box, in the order
# the settings and the explanation list them. "amount_band" is the amount in company currency, banded.
OPTIONAL_FIELDS = {
	"source": "win_probability_use_source",
	"opportunity_type": "win_probability_use_opportunity_type",
	"territory": "win_probability_use_territory",
	"customer_group": "win_probability_use_customer_group",
	"opportunity_from": "win_probability_use_opportunity_from",
	"campaign": "win_probability_use_campaign",
	"amount_band": "win_probability_use_amount_band",
}
DEFAULT_FIELDS = ("source", "opportunity_type", "territory", "customer_group")
AMOUNT_BAND = "amount_band"

# Lower edges of the amount bands, in company currency: each band is ten times the one before.
AMOUNT_BAND_EDGES = (0, 1_000, 10_000, 100_000, 1_000_000)

SMOOTHING = 1.0
# A value whose effect is within this many standard errors of none is left out: where a field carries no
# signal, its noise would otherwise make the chances worse than the stage's alone.
SIGNIFICANCE = 2.0
DEFAULT_MIN_HISTORY = 50
DEFAULT_MIN_COUNT = 10

# How many factors the Opportunity form shows beside the probability.
SHOWN_FACTORS = 3


def amount_bands() -> list[tuple[float, float | None, str]]:
	"""(lower edge, upper edge or None, stored value) of each amount band."""
	edges = [*AMOUNT_BAND_EDGES, None]
	return [
		(lower, upper, f"{lower}-{upper}" if upper is not None else f"{lower}+")
		for lower, upper in pairwise(edges)
	]


def amount_band(amount: float | None) -> str:
	"""The stored value of the band `amount` falls in; a negative or missing amount is in the first."""
	bands = amount_bands()
	return next((value for lower, _upper, value in reversed(bands) if (amount or 0) >= lower), bands[0][2])


@dataclass(frozen=True)
class Factor:
	"""One learned row: in the population of `stage`, how often `field` = `value` was won and lost, and its
	weight: the population's log-odds for the stage row, the log likelihood ratio for a field's value."""

	stage: str
	field: str
	value: str
	won: int
	lost: int
	weight: float


def logit(probability: float) -> float:
	return math.log(probability / (1 - probability))


def learn(
	rows,
	fields,
	stage_order: list[str],
	min_count: int = DEFAULT_MIN_COUNT,
	smoothing: float = SMOOTHING,
) -> list[Factor]:
	"""The factors learned from `rows` of (won, stage, {field: value}, count), one per group of closed
	opportunities. `stage_order` lists the sales stages from first to last; a stage not in it (deleted)
	counts toward the prior only. Only factors that were seen at least `min_count` times are returned."""
	position = {stage: index for index, stage in enumerate(stage_order)}
	won_total = 0
	won_values = defaultdict(lambda: defaultdict(int))  # field -> value -> wins
	lost_by_stage = defaultdict(int)  # index (None: unknown) -> losses
	lost_values = defaultdict(
		lambda: defaultdict(lambda: defaultdict(int))
	)  # index -> field -> value -> losses

	for won, stage, values, count in rows:
		if won:
			won_total += count
			for field in fields:
				won_values[field][values.get(field) or BLANK] += count
		else:
			index = position.get(stage or NO_STAGE)
			lost_by_stage[index] += count
			for field in fields:
				lost_values[index][field][values.get(field) or BLANK] += count

	if not won_total and not sum(lost_by_stage.values()):
		return []
	factors = []
	# Losses that reached each stage: the stage's own and every later one's, from the last stage back.
	reached = 0
	reached_values = defaultdict(lambda: defaultdict(int))
	populations = []
	for index in range(len(stage_order) - 1, -1, -1):
		reached += lost_by_stage[index]
		for field, counts in lost_values[index].items():
			for value, count in counts.items():
				reached_values[field][value] += count
		populations.append((stage_order[index], reached, _copy(reached_values)))
	reached += lost_by_stage[None]
	for field, counts in lost_values[None].items():
		for value, count in counts.items():
			reached_values[field][value] += count
	populations.append((NO_STAGE, reached, _copy(reached_values)))

	for stage, lost, lost_counts in reversed(populations):
		if stage != NO_STAGE and won_total + lost < min_count:
			continue
		rate = (won_total + smoothing) / (won_total + lost + 2 * smoothing)
		factors.append(Factor(stage, STAGE_FIELD, stage, won_total, lost, logit(rate)))
		for field in fields:
			lost_field = lost_counts.get(field, {})
			seen = set(won_values[field]) | set(lost_field)
			kinds = len(seen)
			for value in sorted(seen):
				won_v, lost_v = won_values[field].get(value, 0), lost_field.get(value, 0)
				if won_v + lost_v < min_count:
					continue
				given_won = (won_v + smoothing) / (won_total + smoothing * kinds)
				given_lost = (lost_v + smoothing) / (lost + smoothing * kinds)
				weight = math.log(given_won / given_lost)
				if abs(weight) < SIGNIFICANCE * math.sqrt(1 / (won_v + smoothing) + 1 / (lost_v + smoothing)):
					continue
				factors.append(Factor(stage, field, value, won_v, lost_v, weight))
	return factors


def _copy(counts):
	return {field: dict(values) for field, values in counts.items()}


def history(factors) -> tuple[int, int]:
	"""(won, lost) over every closed opportunity the factors were learned from."""
	for factor in factors:
		if factor.stage == NO_STAGE and factor.field == STAGE_FIELD:
			return factor.won, factor.lost
	return 0, 0


def is_trusted(won: int, lost: int, min_won: int, min_lost: int) -> bool:
	return won >= min_won and lost >= min_lost


@dataclass(frozen=True)
class Explanation:
	probability: float  # percent
	prior: float  # percent: every closed opportunity's win rate
	factors: list  # (field, value, likelihood ratio), strongest first


def score(factors_by_key: dict, stage: str | None, values: dict, fields) -> Explanation | None:
	"""The learned chance of an opportunity at `stage` with `values`, and why. `factors_by_key` maps
	(stage, field, value) to Factor. None when nothing was learned."""
	prior = factors_by_key.get((NO_STAGE, STAGE_FIELD, NO_STAGE))
	if prior is None:
		return None
	population = factors_by_key.get((stage or NO_STAGE, STAGE_FIELD, stage or NO_STAGE)) or prior
	total = population.weight
	explained = []
	if population is not prior:
		explained.append((STAGE_FIELD, stage, math.exp(population.weight - prior.weight)))
	for field in fields:
		value = values.get(field) or BLANK
		if factor := factors_by_key.get((population.stage, field, value)):
			total += factor.weight
			explained.append((field, value, math.exp(factor.weight)))
	explained.sort(key=lambda item: abs(math.log(item[2])), reverse=True)
	return Explanation(
		probability=round(100 * sigmoid(total), 1),
		prior=round(100 * sigmoid(prior.weight), 1),
		factors=explained,
	)


def stages_reached(won: bool, stage: str | None, stage_order: list[str]) -> list[str | None]:
	"""The stages a closed opportunity is scored at, by the stage rule above: every stage for a win, its
	own and the earlier ones for a loss; only "no stage" (the prior) when its stage is blank or unknown.
	Scoring it as it stood at each stage it reached measures exactly what the form shows there."""
	if won:
		return list(stage_order) or [None]
	if stage in stage_order:
		return stage_order[: stage_order.index(stage) + 1]
	return [None]


def sigmoid(value: float) -> float:
	return 1 / (1 + math.exp(-value))


def brier_score(rows) -> float | None:
	"""Mean squared error of (chance in 0..1, won, count) rows; None for none. Lower is better."""
	total = count = 0
	for chance, won, times in rows:
		total += times * (chance - (1 if won else 0)) ** 2
		count += times
	return total / count if count else None


CALIBRATION_BANDS = 10


def calibration_band(chance: float) -> int:
	"""The band (0..9) of a chance in 0..1: 0-10 %, ..., 90-100 %."""
	return min(int(chance * CALIBRATION_BANDS), CALIBRATION_BANDS - 1)


def calibration(rows) -> list[dict]:
	"""Per band of the learned chance, over (learned chance, stage chance, won, count) rows: the count,
	both predicted means and the actual win rate, in 0..1."""
	bands = [{"count": 0, "predicted": 0.0, "stage": 0.0, "won": 0} for _ in range(CALIBRATION_BANDS)]
	for chance, stage_chance, won, times in rows:
		band = bands[calibration_band(chance)]
		band["count"] += times
		band["predicted"] += times * chance
		band["stage"] += times * stage_chance
		band["won"] += times if won else 0
	for band in bands:
		count, won = band["count"], band.pop("won")
		band["predicted"] = band["predicted"] / count if count else None
		band["stage"] = band["stage"] / count if count else None
		band["actual"] = won / count if count else None
	return bands
