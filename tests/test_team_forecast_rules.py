"""The team forecast's arithmetic (team_forecast/rules.py), by hand."""

from opportunity_pipeline.team_forecast.rules import coverage, quota_share, rolled_up


def test_a_quota_follows_its_monthly_distribution_or_is_shared_evenly():
	assert quota_share(120_000, 40, 4) == 48_000
	assert quota_share(120_000, None, 4) == 30_000
	assert quota_share(120_000, None, 12) == 10_000
	assert quota_share(120_000, None, 0) == 0


def test_coverage_is_the_weighted_pipeline_over_what_is_left_to_reach():
	assert coverage(30_000, 50_000, 20_000) == 1.0
	assert coverage(30_000, 50_000, 50_000) is None
	assert coverage(30_000, 0, 0) is None


def test_a_manager_sums_the_people_under_them_and_themselves():
	# Manager (1-8) above Ann (2-3) and a team lead (4-7) above Bob (5-6).
	people = [("Manager", 1, 8), ("Ann", 2, 3), ("Lead", 4, 7), ("Bob", 5, 6)]
	own = {
		"Manager": {("Q1", "won"): 1},
		"Ann": {("Q1", "won"): 10, ("Q1", "quota"): 100},
		"Bob": {("Q1", "won"): 1000},
	}
	totals = rolled_up(people, own)
	assert totals["Manager"] == {("Q1", "won"): 1011, ("Q1", "quota"): 100}
	assert totals["Lead"] == {("Q1", "won"): 1000}
	assert totals["Ann"] == {("Q1", "won"): 10, ("Q1", "quota"): 100}


def test_a_managers_call_is_their_own_where_they_made_one_else_their_teams():
	from opportunity_pipeline.team_forecast.rules import forecast_calls

	# VP above two managers; Ann and Bob under the first, Cid under the second.
	people = [("VP", None), ("M1", "VP"), ("Ann", "M1"), ("Bob", "M1"), ("M2", "VP"), ("Cid", "M2")]
	submitted = {"Ann": (100.0, 150.0), "Bob": (50.0, 80.0), "Cid": (10.0, 20.0)}
	calls = forecast_calls(people, submitted)
	assert calls["M1"] == (150.0, 230.0)
	assert calls["VP"] == (160.0, 250.0)
	# M1 adjusts the team's call: the VP now reads M1's, not the sum under M1.
	calls = forecast_calls(people, {**submitted, "M1": (120.0, 200.0)})
	assert (calls["M1"], calls["VP"]) == ((120.0, 200.0), (130.0, 220.0))
	assert forecast_calls(people, {})["VP"] is None


def test_a_forecasts_error_counts_once_its_period_is_over_and_bias_is_its_lean():
	from opportunity_pipeline.team_forecast.rules import forecast_bias, forecast_error

	assert forecast_error(900.0, 700.0, ended=True) == 200.0
	assert forecast_error(900.0, 700.0, ended=False) is None
	assert forecast_error(None, 700.0, ended=True) is None
	# Two quarters: promised 200 too much on 700 won, then 100 too little on 300 won.
	assert forecast_bias([(200.0, 700.0), (-100.0, 300.0)]) == 10.0
	assert forecast_bias([]) is None


def test_each_persons_figures_from_several_sources_are_one():
	from opportunity_pipeline.team_forecast.rules import merged

	quotas = {"Ann": {("Q1", "quota"): 100.0}}
	bookings = {"Ann": {("Q1", "won"): 10.0}, "Bob": {("Q1", "won"): 5.0}}
	assert merged(quotas, bookings) == {
		"Ann": {("Q1", "quota"): 100.0, ("Q1", "won"): 10.0},
		"Bob": {("Q1", "won"): 5.0},
	}
