"""Pipeline health: when an open opportunity is stalled, when it lacks a next step, and what a user's
daily digest lists. Plain values only (layer-1 tested); the Frappe glue writes the same rules in SQL."""

from datetime import date, datetime, time, timedelta

from opportunity_pipeline.statuses import OPEN_STATUSES

# The digest's sections, in the order it lists them (and the keys of api.pipeline_health).
DUE_TODAY = "due_today"
OVERDUE = "overdue"
STALLED = "stalled"
NO_NEXT_STEP = "no_next_step"
SECTIONS = (DUE_TODAY, OVERDUE, STALLED, NO_NEXT_STEP)


def stalled_since_before(today: date, stalled_after_days: int) -> datetime:
	"""An opportunity in its stage since before this moment has spent more than `stalled_after_days`
	whole days there today."""
	return datetime.combine(today - timedelta(days=stalled_after_days), time.min)


def is_stalled(status, stage_since, stalled_after_days, snoozed_until, today: date) -> bool:
	"""Open, in a stage that stalls (Stalled After > 0), longer than that since it entered it (the
	history's stage_since), and not snoozed: Snooze Until silences it through that date."""
	if status not in OPEN_STATUSES or not stalled_after_days or stage_since is None:
		return False
	if snoozed_until is not None and snoozed_until >= today:
		return False
	return stage_since < stalled_since_before(today, stalled_after_days)


def follow_up_section(status, contact_date, today: date) -> str | None:
	"""Where an open opportunity's follow-up stands: due today, overdue (its Next Contact Date passed
	before today), without any next step, or planned (None)."""
	if status not in OPEN_STATUSES:
		return None
	if contact_date is None:
		return NO_NEXT_STEP
	if contact_date.date() == today:
		return DUE_TODAY
	if contact_date.date() < today:
		return OVERDUE
	return None


def counts_against_owner(created: datetime, grace_days: int, now: datetime) -> bool:
	"""An open opportunity without a Next Contact Date counts against its owner once it is older than the
	grace period (the moment a date is cleared is not recorded, so its age is counted from creation)."""
	return created < now - timedelta(days=grace_days or 0)


def responsible_users(opportunity_owner, contact_by, creator, assignees) -> set:
	"""Whom an open opportunity's digest items reach: its Opportunity Owner and Next Contact By; when it
	has neither (one typed in quickly, the one most easily forgotten), its creator and its assignees."""
	named = {opportunity_owner, contact_by} - {None, ""}
	return named or {creator, *(assignees or ())} - {None, ""}


def snooze_too_long(snoozed_until: date | None, today: date, longest_days: int) -> bool:
	"""Snooze Until may silence Stalled for at most `longest_days` from today (0: no snooze at all)."""
	return snoozed_until is not None and snoozed_until > today + timedelta(days=longest_days or 0)


def digest_is_empty(sections: dict) -> bool:
	return not any(sections.get(section) for section in SECTIONS)
