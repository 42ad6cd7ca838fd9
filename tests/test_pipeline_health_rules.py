"""Pipeline health's rules on plain values."""

from datetime import date, datetime

import pytest

from opportunity_pipeline.pipeline_health.rules import (
	DUE_TODAY,
	NO_NEXT_STEP,
	OVERDUE,
	counts_against_owner,
	digest_is_empty,
	follow_up_section,
	is_stalled,
	responsible_users,
	snooze_too_long,
)

TODAY = date(2026, 3, 20)


@pytest.mark.parametrize(
	"status, since, days, snoozed, expected",
	[
		("Open", datetime(2026, 3, 15, 18), 5, None, False),  # 5 whole days: not longer than 5
		("Open", datetime(2026, 3, 14, 9), 5, None, True),
		("Replied", datetime(2026, 3, 1), 5, None, True),
		("Lost", datetime(2026, 3, 1), 5, None, False),
		("Open", datetime(2026, 3, 1), 0, None, False),  # the stage never stalls
		("Open", datetime(2026, 3, 1), None, None, False),
		("Open", None, 5, None, False),  # no history yet
		("Open", datetime(2026, 3, 1), 5, date(2026, 3, 20), False),  # snoozed through today
		("Open", datetime(2026, 3, 1), 5, date(2026, 3, 19), True),
	],
)
def test_stalled(status, since, days, snoozed, expected):
	assert is_stalled(status, since, days, snoozed, TODAY) is expected


@pytest.mark.parametrize(
	"status, contact_date, expected",
	[
		("Open", datetime(2026, 3, 20, 23), DUE_TODAY),
		("Open", datetime(2026, 3, 20, 0), DUE_TODAY),
		("Quotation", datetime(2026, 3, 19, 23), OVERDUE),
		("Open", datetime(2026, 3, 21, 0), None),
		("Open", None, NO_NEXT_STEP),
		("Converted", None, None),
	],
)
def test_follow_up_section(status, contact_date, expected):
	assert follow_up_section(status, contact_date, TODAY) == expected


def test_missing_next_step_counts_after_the_grace_period():
	created, now = datetime(2026, 3, 10, 12), datetime(2026, 3, 20, 8)
	assert counts_against_owner(created, 7, now)
	assert not counts_against_owner(created, 10, now)


def test_empty_digest():
	assert digest_is_empty({"due_today": [], "stalled": []})
	assert not digest_is_empty({"overdue": ["CRM-OPP-1"]})


@pytest.mark.parametrize(
	"owner, contact_by, creator, assignees, expected",
	[
		("ann", "bob", "cat", ["dan"], {"ann", "bob"}),
		("ann", None, "cat", ["dan"], {"ann"}),
		("", "bob", "cat", [], {"bob"}),
		# nobody named: the one typed in quickly reaches its creator and its assignees
		(None, "", "cat", ["dan", "eve"], {"cat", "dan", "eve"}),
		(None, None, "cat", None, {"cat"}),
		(None, None, None, [], set()),
	],
)
def test_responsible_users(owner, contact_by, creator, assignees, expected):
	assert responsible_users(owner, contact_by, creator, assignees) == expected


@pytest.mark.parametrize(
	"snoozed, longest, too_long",
	[
		(None, 30, False),
		(date(2026, 3, 31), 30, False),
		(date(2026, 4, 1), 30, True),
		(date(2026, 3, 1), 0, False),
		(date(2026, 3, 2), 0, True),
		(date(2099, 1, 1), 30, True),
	],
)
def test_snooze_too_long(snoozed, longest, too_long):
	assert snooze_too_long(snoozed, date(2026, 3, 1), longest) is too_long
