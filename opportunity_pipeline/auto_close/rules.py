"""When an opportunity counts as having had no response, and which auto-close settings make sense."""

from datetime import datetime, timedelta
from enum import Enum

from opportunity_pipeline.statuses import OPEN_STATUSES

# Statuses a system manager may let the job close: every open one (the others are already finished).
CLOSABLE_STATUSES = OPEN_STATUSES
# The Selling Settings check box of each of them.
STATUS_FIELDS = {
	"Open": "auto_close_open",
	"Replied": "auto_close_replied",
	"Quotation": "auto_close_quotation",
}

# What ERPNext's own job closes (erpnext.crm...opportunity.auto_close_opportunity): Replied opportunities
# unchanged for CRM Settings' days, or 15 when that is empty or 0.
STOCK_JOB = "erpnext.crm.doctype.opportunity.opportunity.auto_close_opportunity"
STOCK_JOB_STATUSES = ("Replied",)
STOCK_JOB_DEFAULT_DAYS = 15


class SettingsProblem(Enum):
	NEGATIVE_DAYS = "negative days"
	NO_STATUS = "no status"
	NO_LOST_STATUS = "no lost status"


def last_activity(modified: datetime, last_communication: datetime | None) -> datetime:
	"""No response means no activity: the later of the opportunity's last change and its last
	Communication, sent or received."""
	return max(modified, last_communication) if last_communication else modified


def idle_cutoff(now: datetime, days: int) -> datetime:
	"""Opportunities whose last activity is before this have had no response for `days` days."""
	return now - timedelta(days=days)


def is_idle(modified: datetime, last_communication: datetime | None, now: datetime, days: int) -> bool:
	return days > 0 and last_activity(modified, last_communication) < idle_cutoff(now, days)


def carried_over(stock_job_stopped: bool, crm_days: int | None) -> tuple[int, tuple[str, ...]]:
	"""The app's settings on install: exactly what the site did before, never more. ERPNext's job closed
	Replied opportunities after CRM Settings' days (15 when unset) unless it was stopped."""
	if stock_job_stopped:
		return 0, STOCK_JOB_STATUSES
	return (crm_days or STOCK_JOB_DEFAULT_DAYS), STOCK_JOB_STATUSES


def settings_problem(days: int | None, statuses: list[str]) -> SettingsProblem | None:
	"""0 days turns auto-close off; a positive number needs at least one status to close."""
	if (days or 0) < 0:
		return SettingsProblem.NEGATIVE_DAYS
	if (days or 0) > 0 and not statuses:
		return SettingsProblem.NO_STATUS
	return None


def settings_tab_after(standard_fields: list[tuple[str, str]]) -> str | None:
	"""Where the app's own Selling Settings tab goes: after the last standard field when the form is laid
	out in tabs (Frappe 16), nowhere when it is not (Frappe 15). `standard_fields`: (fieldname, fieldtype)
	in form order."""
	if not any(fieldtype == "Tab Break" for _name, fieldtype in standard_fields):
		return None
	return standard_fields[-1][0]


def closable_deal_types(groups, close_paused: bool) -> tuple[str, ...]:
	"""The CRM Deal Status types whose idle deals the job closes: every open one, but a deal put on hold
	on purpose only when the manager says so."""
	return tuple(kind for kind in groups.open if close_paused or kind not in groups.paused)


def deal_settings_problem(
	days: int | None, closing_status_type: str | None, lost_types
) -> SettingsProblem | None:
	"""None when the deal auto-close settings make sense: 0 days turns it off; otherwise a closed deal
	needs a status, and a status of a lost type (Frappe CRM's won and open ones would misreport it)."""
	if (days or 0) < 0:
		return SettingsProblem.NEGATIVE_DAYS
	if (days or 0) > 0 and closing_status_type not in lost_types:
		return SettingsProblem.NO_LOST_STATUS
	return None
