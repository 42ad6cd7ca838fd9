"""What the desk's scripts read from the boot instead of keeping copies of the app's constants."""

import frappe

from opportunity_pipeline.auto_close.rules import STATUS_FIELDS
from opportunity_pipeline.document_types import boot_info
from opportunity_pipeline.lost.queries import opportunity_field
from opportunity_pipeline.reporting.background import READY_EVENT
from opportunity_pipeline.statuses import OPEN_STATUSES, STATUS_COLOURS
from opportunity_pipeline.win_probability.settings import win_probability_settings


def boot_session(bootinfo):
	"""boot_session hook: frappe.boot.opportunity_pipeline."""
	bootinfo.opportunity_pipeline = {
		"open_statuses": list(OPEN_STATUSES),
		"status_colours": STATUS_COLOURS,
		"auto_close_status_fields": STATUS_FIELDS,
		# Lead Source on ERPNext 15, UTM Source on 16: what the reports' Source filter links to.
		# Under Learned, the form leaves the probability to the server when the stage changes.
		"win_probability_method": win_probability_settings().method,
		"source_doctype": frappe.get_meta("Opportunity").get_field(opportunity_field("source")).options,
		# The document types the site runs (Frappe CRM's deals where it is installed), for report filters.
		"documents": boot_info(),
		# What a report computed in the background announces when its result is ready.
		"report_ready_event": READY_EVENT,
	}
