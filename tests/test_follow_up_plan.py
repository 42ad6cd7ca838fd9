"""Which Event an opportunity should have, decided without Frappe."""

from datetime import datetime

import pytest

from opportunity_pipeline.follow_up import plan
from opportunity_pipeline.follow_up.plan import Action, plan_event

NOON = datetime(2030, 5, 17, 12, 0)
LATER = datetime(2030, 5, 20, 9, 30)


def open_follow_up(user="ann@example.com", when=NOON):
	return plan.FollowUp(user=user, starts_on=when, open=True)


def event(user="ann@example.com", when=NOON, status="Open"):
	return plan.ExistingEvent(user=user, starts_on=when, status=status)


@pytest.mark.parametrize(
	("contact_by", "contact_date"), [(None, NOON), ("ann@example.com", None), ("", None), (None, None)]
)
def test_either_field_empty_wants_no_event(contact_by, contact_date):
	assert plan.wanted_follow_up(contact_by, contact_date, finished=False) is None


def test_a_finished_document_wants_a_closed_event():
	assert plan.wanted_follow_up("ann@example.com", NOON, finished=True).open is False


def test_a_document_in_the_pipeline_wants_an_open_event():
	assert plan.wanted_follow_up("ann@example.com", NOON, finished=False) == open_follow_up()


def test_first_follow_up_creates_the_event():
	assert plan_event(open_follow_up(), None) == Action.CREATE


def test_unchanged_follow_up_touches_nothing():
	assert plan_event(open_follow_up(), event()) == Action.NOTHING


def test_moved_date_updates_the_same_event():
	assert plan_event(open_follow_up(when=LATER), event()) == Action.UPDATE


def test_new_user_takes_over_the_same_event():
	assert plan_event(open_follow_up(user="bob@example.com"), event()) == Action.UPDATE


def test_reopened_opportunity_reopens_its_closed_event():
	assert plan_event(open_follow_up(), event(status="Closed"), reopened=True) == Action.UPDATE


def test_an_event_its_user_closed_stays_closed_until_the_follow_up_moves():
	assert plan_event(open_follow_up(), event(status="Closed")) == Action.NOTHING
	assert plan_event(open_follow_up(), event(status="Cancelled")) == Action.NOTHING
	assert plan_event(open_follow_up(when=LATER), event(status="Closed")) == Action.UPDATE


def test_cleared_field_deletes_the_event():
	assert plan_event(None, event()) == Action.DELETE
	assert plan_event(None, None) == Action.NOTHING


def test_finished_opportunity_closes_its_open_event_once():
	finished = plan.FollowUp(user="ann@example.com", starts_on=NOON, open=False)
	assert plan_event(finished, event()) == Action.CLOSE
	assert plan_event(finished, event(status="Closed")) == Action.NOTHING
	assert plan_event(finished, None) == Action.NOTHING


def test_reminder_is_due_at_the_start_of_the_follow_up_day():
	assert plan.reminder_due(open_follow_up(when=LATER)) == datetime(2030, 5, 20, 0, 0)
	assert plan.reminder_due(plan.FollowUp(user="ann@example.com", starts_on=NOON, open=False)) is None
	assert plan.reminder_due(None) is None


def test_pipeline_never_imports_frappe():
	from conftest import PACKAGE

	for module in (PACKAGE / "pipeline").glob("*.py"):
		assert "import frappe" not in module.read_text(), module
