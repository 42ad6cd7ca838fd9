"""What "no response for N days" means, decided without Frappe."""

from datetime import datetime, timedelta

import pytest

from opportunity_pipeline.auto_close.rules import (
	SettingsProblem,
	carried_over,
	closable_deal_types,
	deal_settings_problem,
	idle_cutoff,
	is_idle,
	last_activity,
	settings_problem,
)
from opportunity_pipeline.pipeline_document import CRM_DEAL

NOW = datetime(2030, 6, 30, 12, 0)


def days_ago(days, hours=0):
	return NOW - timedelta(days=days, hours=hours)


def test_last_activity_is_the_later_of_change_and_communication():
	assert last_activity(days_ago(20), None) == days_ago(20)
	assert last_activity(days_ago(20), days_ago(3)) == days_ago(3)
	assert last_activity(days_ago(3), days_ago(20)) == days_ago(3)


def test_idle_after_n_full_days_without_any_activity():
	assert is_idle(days_ago(10, hours=1), None, NOW, 10)
	assert not is_idle(days_ago(9), None, NOW, 10)


@pytest.mark.parametrize("recent", ["modified", "communication"])
def test_any_recent_activity_keeps_it_alive(recent):
	modified = days_ago(1) if recent == "modified" else days_ago(40)
	communication = days_ago(1) if recent == "communication" else days_ago(40)
	assert not is_idle(modified, communication, NOW, 10)


def test_zero_days_disables():
	assert not is_idle(days_ago(400), None, NOW, 0)


def test_cutoff():
	assert idle_cutoff(NOW, 7) == days_ago(7)


@pytest.mark.parametrize(
	("days", "statuses", "problem"),
	[
		(-1, ["Open"], SettingsProblem.NEGATIVE_DAYS),
		(5, [], SettingsProblem.NO_STATUS),
		(0, [], None),
		(None, [], None),
		(5, ["Replied"], None),
	],
)
def test_settings_rules(days, statuses, problem):
	assert settings_problem(days, statuses) is problem


@pytest.mark.parametrize(
	("stopped", "crm_days", "expected"),
	[
		(False, 21, (21, ("Replied",))),
		(False, 0, (15, ("Replied",))),  # ERPNext's job reads 0 or empty as 15
		(False, None, (15, ("Replied",))),
		(True, 21, (0, ("Replied",))),  # a stopped job closed nothing: the app closes nothing either
	],
)
def test_install_carries_over_exactly_what_erpnexts_job_did(stopped, crm_days, expected):
	assert carried_over(stopped, crm_days) == expected


def test_idle_deals_close_in_every_open_status_type_but_on_hold_unless_the_manager_says():
	groups = CRM_DEAL.status_groups
	assert closable_deal_types(groups, close_paused=False) == ("Open", "Ongoing")
	assert closable_deal_types(groups, close_paused=True) == ("Open", "Ongoing", "On Hold")


@pytest.mark.parametrize(
	("days", "closing_type", "problem"),
	[
		(0, None, None),  # off: nothing else is needed
		(-1, "Lost", SettingsProblem.NEGATIVE_DAYS),
		(10, "Lost", None),
		(10, None, SettingsProblem.NO_LOST_STATUS),  # no status, or one that no longer exists
		(10, "Won", SettingsProblem.NO_LOST_STATUS),
		(10, "Ongoing", SettingsProblem.NO_LOST_STATUS),
	],
)
def test_a_deal_closed_with_no_response_takes_a_lost_status(days, closing_type, problem):
	assert deal_settings_problem(days, closing_type, CRM_DEAL.status_groups.lost) == problem
