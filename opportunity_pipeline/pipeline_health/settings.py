"""Pipeline health's settings in Selling Settings, and the bound they put on a snooze."""

import frappe
from frappe import _
from frappe.utils import cint, formatdate, getdate, today

from opportunity_pipeline.auto_close.settings import save_defaults as save_field_defaults
from opportunity_pipeline.pipeline_health.rules import snooze_too_long

SETTINGS = ("pipeline_digest_enabled", "no_next_step_after_days", "longest_snooze_days")


def save_defaults():
	"""Install and migrate: each setting of the section never saved gets its default."""
	save_field_defaults(SETTINGS)


def longest_snooze_days() -> int:
	return cint(frappe.db.get_single_value("Selling Settings", "longest_snooze_days"))


def validate_snooze(doc):
	"""Opportunity validate: Snooze Until silences Stalled for at most Selling Settings' Longest Snooze
	from today. Checked when it changes, so a snooze set under a longer limit runs out as it was set."""
	if not doc.get("stalled_snoozed_until") or not doc.has_value_changed("stalled_snoozed_until"):
		return
	longest = longest_snooze_days()
	if snooze_too_long(getdate(doc.stalled_snoozed_until), getdate(today()), longest):
		frappe.throw(
			_("Snooze Until can be at most {0} days from today ({1}): set in Selling Settings.").format(
				longest, formatdate(frappe.utils.add_days(today(), longest))
			),
			title=_("Snooze too long"),
		)
