"""Which follow-up Event an opportunity should have, and what to do to the one it has."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import Enum

# How long the follow-up Event lasts in the calendar.
EVENT_DURATION = timedelta(minutes=30)


@dataclass(frozen=True)
class FollowUp:
	"""The Event an opportunity asks for: whose calendar, when, and whether it is still to do."""

	user: str
	starts_on: datetime
	open: bool


@dataclass(frozen=True)
class ExistingEvent:
	user: str
	starts_on: datetime
	status: str


class Action(Enum):
	NOTHING = "nothing"
	CREATE = "create"
	UPDATE = "update"
	CLOSE = "close"
	DELETE = "delete"


def wanted_follow_up(
	contact_by: str | None, contact_date: datetime | None, finished: bool
) -> FollowUp | None:
	"""The follow-up a document asks for, or None when either field is empty; done once the document has
	left the pipeline (`finished`)."""
	if not contact_by or not contact_date:
		return None
	return FollowUp(user=contact_by, starts_on=contact_date, open=not finished)


def plan_event(wanted: FollowUp | None, existing: ExistingEvent | None, reopened: bool = False) -> Action:
	"""What to do so that the opportunity has exactly the Event it asks for, never a second one.

	An Event its user closed in the calendar stays closed while the follow-up keeps its user and time:
	the user said it is done. A new time, a new user or a reopened opportunity opens it again."""
	if wanted is None:
		return Action.DELETE if existing else Action.NOTHING
	if existing is None:
		return Action.CREATE if wanted.open else Action.NOTHING
	if not wanted.open:
		return Action.CLOSE if existing.status == "Open" else Action.NOTHING
	if existing.user != wanted.user or existing.starts_on != wanted.starts_on:
		return Action.UPDATE
	if existing.status != "Open" and reopened:
		return Action.UPDATE
	return Action.NOTHING


def reminder_due(wanted: FollowUp | None) -> datetime | None:
	"""When the reminder job should notify: the start of the follow-up's day, while it is still to do."""
	if wanted is None or not wanted.open:
		return None
	return datetime.combine(wanted.starts_on.date(), time.min)
