"""Snooze Until now has a longest reach (Selling Settings' Longest Snooze, 30 days unless set): snoozes set
before it that reach further end there, so none hides an opportunity from Stalled for ever."""

import frappe
from frappe.modules.utils import sync_customizations
from frappe.utils import add_days, today

from opportunity_pipeline.pipeline_health.settings import longest_snooze_days, save_defaults


def execute():
	sync_customizations("opportunity_pipeline")  # post_model_sync patches run before Frappe syncs them
	save_defaults()
	last_day = add_days(today(), longest_snooze_days())
	opportunity = frappe.qb.DocType("Opportunity")
	frappe.qb.update(opportunity).set(opportunity.stalled_snoozed_until, last_day).where(
		opportunity.stalled_snoozed_until > last_day
	).run()
