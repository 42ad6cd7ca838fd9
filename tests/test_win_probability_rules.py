"""The learned win probability's rules on synthetic histories whose true chances are known."""

import random

import pytest

from opportunity_pipeline.win_probability.rules import (
	NO_STAGE,
	STAGE_FIELD,
	amount_band,
	amount_bands,
	brier_score,
	calibration,
	calibration_band,
	history,
	learn,
	score,
	stages_reached,
)

STAGES = [f"Stage {number}" for number in range(1, 6)]


def loss_hazard(final_win_rate: float) -> float:
	"""The chance of being lost at each stage that makes `final_win_rate` the chance of a new one."""
	return 1 - final_win_rate ** (1 / len(STAGES))


def true_chance(final_win_rate: float, stage: str) -> float:
	"""The chance that an opportunity which reached `stage` is won."""
	remaining = len(STAGES) - STAGES.index(stage)
	return (1 - loss_hazard(final_win_rate)) ** remaining


def simulate(count: int, final_win_rates: dict, seed: int = 7, noise_fields: int = 0):
	"""Closed opportunities that move through the stages and may be lost at each: (won, stage, values)."""
	randomness = random.Random(seed)
	sources = list(final_win_rates)
	history = []
	for _ in range(count):
		source = randomness.choice(sources)
		values = {"source": source}
		for number in range(noise_fields):
			values[f"noise_{number}"] = randomness.choice("abcd")
		hazard = loss_hazard(final_win_rates[source])
		stage = None
		for stage in STAGES:
			if randomness.random() < hazard:
				history.append((False, stage, values))
				break
		else:
			history.append((True, stage, values))
	return history


def grouped(history, fields):
	counts = {}
	for won, stage, values in history:
		key = (won, stage, tuple(values.get(field) for field in fields))
		counts[key] = counts.get(key, 0) + 1
	return [
		(won, stage, dict(zip(fields, values, strict=True)), n) for (won, stage, values), n in counts.items()
	]


def keyed(factors):
	return {(factor.stage, factor.field, factor.value): factor for factor in factors}


@pytest.fixture(scope="module")
def four_times():
	"""Referral wins four times as often as Cold Call from the first stage."""
	history = simulate(60_000, {"Referral": 0.4, "Cold Call": 0.1})
	factors = learn(grouped(history, ["source"]), ["source"], STAGES)
	return history, keyed(factors)


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("source", ["Referral", "Cold Call"])
def test_learned_chance_is_within_five_points_of_the_true_one(four_times, stage, source):
	_history, factors = four_times
	rate = {"Referral": 0.4, "Cold Call": 0.1}[source]
	learned = score(factors, stage, {"source": source}, ["source"]).probability
	assert abs(learned - 100 * true_chance(rate, stage)) < 5


def test_a_loss_counts_at_its_stage_and_before_and_a_win_at_every_stage():
	rows = [
		(True, "Stage 1", {}, 3),  # won, although its stage was never moved on
		(False, "Stage 2", {}, 4),
		(False, "Stage 4", {}, 5),
		(False, None, {}, 6),
	]
	factors = keyed(learn(rows, [], STAGES, min_count=1))
	reached = {stage: factors[(stage, STAGE_FIELD, stage)].lost for stage in STAGES}
	assert reached == {"Stage 1": 9, "Stage 2": 9, "Stage 3": 5, "Stage 4": 5, "Stage 5": 0}
	assert {factors[(stage, STAGE_FIELD, stage)].won for stage in STAGES} == {3}
	assert history(factors.values()) == (3, 15)


def test_no_history_teaches_nothing():
	assert learn([], ["source"], STAGES) == []


def test_a_value_seen_too_rarely_has_no_effect():
	rows = [(True, "Stage 1", {"source": "Fair"}, 2), (False, "Stage 1", {"source": "Web"}, 40)]
	rows.append((True, "Stage 1", {"source": "Web"}, 40))
	factors = keyed(learn(rows, ["source"], STAGES, min_count=10))
	assert ("Stage 1", "source", "Fair") not in factors
	explained = score(factors, "Stage 1", {"source": "Fair"}, ["source"])
	assert [field for field, _value, _effect in explained.factors] == [STAGE_FIELD]


def test_a_rare_stage_falls_back_to_the_prior():
	rows = [(True, "Stage 1", {}, 30), (False, "Stage 1", {}, 30)]
	factors = keyed(learn(rows, [], STAGES, min_count=100))
	assert list(factors) == [(NO_STAGE, STAGE_FIELD, NO_STAGE)]
	assert score(factors, "Stage 3", {}, []).probability == 50.0


def test_explanation_multiplies_back_to_the_chance():
	history = simulate(20_000, {"Referral": 0.4, "Cold Call": 0.1}, noise_fields=1)
	fields = ["source", "noise_0"]
	factors = keyed(learn(grouped(history, fields), fields, STAGES))
	explained = score(factors, "Stage 3", {"source": "Referral", "noise_0": "a"}, fields)
	odds = explained.prior / (100 - explained.prior)
	for _field, _value, effect in explained.factors:
		odds *= effect
	assert abs(100 * odds / (1 + odds) - explained.probability) < 0.1
	assert explained.factors[0][:2] in {(STAGE_FIELD, "Stage 3"), ("source", "Referral")}


def backtest(history, fields, stage_chances):
	"""Brier scores of the learned and the stage chances on the last third, learned from the rest."""
	cut = len(history) * 2 // 3
	factors = keyed(learn(grouped(history[:cut], fields), fields, STAGES))
	learned, staged = [], []
	for won, final_stage, values in history[cut:]:
		for stage in stages_reached(won, final_stage, STAGES):
			learned.append((score(factors, stage, values, fields).probability / 100, won, 1))
			staged.append((stage_chances[stage], won, 1))
	return brier_score(learned), brier_score(staged)


def test_backtest_learned_beats_the_stage_percentages_when_the_source_matters():
	history = simulate(60_000, {"Referral": 0.4, "Cold Call": 0.1}, seed=11)
	mean_rate = 0.25
	stage_chances = {stage: true_chance(mean_rate, stage) for stage in STAGES}
	learned, staged = backtest(history, ["source"], stage_chances)
	assert learned < staged


def test_backtest_learned_is_no_worse_when_the_fields_carry_no_signal():
	"""The stage percentages are the true ones here: the learned chance can only match them."""
	history = simulate(60_000, {"Referral": 0.25, "Cold Call": 0.25}, seed=5, noise_fields=3)
	stage_chances = {stage: true_chance(0.25, stage) for stage in STAGES}
	fields = ["source", "noise_0", "noise_1", "noise_2"]
	learned, staged = backtest(history, fields, stage_chances)
	assert learned <= staged * 1.002


def test_a_closed_opportunity_is_scored_at_each_stage_it_reached():
	assert stages_reached(True, "Stage 2", STAGES) == STAGES
	assert stages_reached(False, "Stage 2", STAGES) == ["Stage 1", "Stage 2"]
	assert stages_reached(False, "Deleted stage", STAGES) == stages_reached(False, None, STAGES) == [None]


def test_amount_bands_cover_every_amount_once():
	assert [value for _lower, _upper, value in amount_bands()] == [
		"0-1000",
		"1000-10000",
		"10000-100000",
		"100000-1000000",
		"1000000+",
	]
	assert amount_band(None) == amount_band(-5) == amount_band(999.99) == "0-1000"
	assert amount_band(1000) == "1000-10000"
	assert amount_band(5_000_000) == "1000000+"


def test_calibration_bands_and_brier_score():
	assert calibration_band(0) == 0 and calibration_band(0.999) == 9 and calibration_band(1) == 9
	bands = calibration(
		[(0.05, 0.1, False, 1), (0.15, 0.1, True, 1), (0.95, 0.9, True, 3), (0.91, 0.9, False, 1)]
	)
	assert bands[0] == {"count": 1, "predicted": 0.05, "stage": 0.1, "actual": 0.0}
	assert bands[9]["count"] == 4 and bands[9]["actual"] == 0.75
	assert bands[9]["predicted"] == pytest.approx((3 * 0.95 + 0.91) / 4)
	assert bands[5] == {"count": 0, "predicted": None, "stage": None, "actual": None}
	assert brier_score([]) is None
	assert brier_score([(1.0, True, 1), (0.0, False, 1), (0.5, True, 2)]) == pytest.approx(0.5 / 4)
