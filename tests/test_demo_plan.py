"""The demo pipeline's story: the same each time, a year long, with something true for every report."""

from collections import Counter

from opportunity_pipeline.demo import plan


def test_the_same_story_every_time():
	first, second = plan.story(), plan.story()
	assert [(o.number, [(s.day, s.hour, s.action) for s in o.steps]) for o in first] == [
		(o.number, [(s.day, s.hour, s.action) for s in o.steps]) for o in second
	]
	assert plan.story(1) != first


def test_every_opportunity_starts_with_its_creation_and_keeps_to_the_year():
	for opportunity in plan.story():
		assert opportunity.steps[0].action == plan.CREATE
		assert all(0 <= step.day < plan.DAYS for step in opportunity.steps)
		assert [(s.day, s.hour) for s in opportunity.steps] == sorted(
			(s.day, s.hour) for s in opportunity.steps
		)


def test_outcomes_and_their_steps():
	story = plan.story()
	outcomes = Counter(opportunity.outcome for opportunity in story)
	# enough history for the learned probability's default minimums (50 won, 50 lost)
	assert outcomes["won"] >= 50 and outcomes["lost"] >= 50 and outcomes["open"] >= 30 and outcomes["idle"]
	for opportunity in story:
		actions = [step.action for step in opportunity.steps]
		if opportunity.outcome == "won":
			assert plan.QUOTE in actions and actions[-1] == plan.WIN
			assert opportunity.party[0] == "Customer"  # a sales order needs a customer
		if opportunity.outcome == "lost":
			(loss,) = [step for step in opportunity.steps if step.action == plan.LOSE]
			assert set(loss.values["reasons"]) <= set(plan.LOST_REASONS)
			assert set(loss.values["competitors"]) <= set(plan.COMPETITORS)


def test_referrals_win_more_often_than_cold_calls():
	"""The signal the learned probability is there to find."""
	story = plan.story()

	def win_rate(source):
		closed = [o for o in story if o.source == source and o.outcome in ("won", "lost")]
		return sum(o.outcome == "won" for o in closed) / len(closed)

	assert win_rate("Referral") > 2 * win_rate("Cold Calling")
