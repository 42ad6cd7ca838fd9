from opportunity_pipeline.forecast.rules import DEFAULT_STAGES, probability_after_save, stage_defaults


def after(**changes):
	state = dict(
		is_new=False,
		inputs_changed=False,
		old_probability=20,
		new_probability=20,
		set_by_hand=False,
		automatic_probability=20,
	)
	return probability_after_save(**{**state, **changes})


def test_new_opportunity_without_probability_takes_the_stage_one():
	assert after(is_new=True, old_probability=None, new_probability=None, automatic_probability=10) == (
		10,
		False,
	)


def test_new_opportunity_with_a_probability_keeps_it_as_set_by_hand():
	assert after(is_new=True, old_probability=None, new_probability=100, automatic_probability=10) == (
		100,
		True,
	)


def test_stage_change_applies_the_new_stage_probability():
	assert after(inputs_changed=True, automatic_probability=75) == (75, False)


def test_stage_change_keeps_a_probability_set_by_hand():
	assert after(inputs_changed=True, new_probability=35, old_probability=35, set_by_hand=True) == (35, True)


def test_probability_typed_with_the_stage_change_wins():
	assert after(inputs_changed=True, new_probability=55, automatic_probability=75) == (55, True)


def test_typing_the_stage_probability_hands_it_back_to_the_stages():
	assert after(new_probability=20, old_probability=35, set_by_hand=True) == (20, False)


def test_clearing_the_probability_hands_it_back_to_the_stages():
	assert after(new_probability=None, old_probability=35, set_by_hand=True, automatic_probability=40) == (
		40,
		False,
	)


def test_stage_without_probability_leaves_the_opportunity_alone():
	assert after(inputs_changed=True, automatic_probability=None) == (20, False)
	assert after(new_probability=30, automatic_probability=None) == (30, True)


def test_unchanged_save_changes_nothing():
	assert after() == (20, False)
	assert after(new_probability=35, old_probability=35, set_by_hand=True) == (35, True)


def test_default_stages_climb_in_order():
	probabilities = [probability for _, probability in DEFAULT_STAGES]
	assert probabilities == sorted(probabilities) and len(set(probabilities)) == len(probabilities)
	assert stage_defaults("Negotiation/Review") == (90, 8)
	assert stage_defaults("Prospection", {"Prospecting": "Prospection"}.get) == (10, 1)
	assert stage_defaults("My own stage") is None
