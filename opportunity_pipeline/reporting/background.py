"""A report that reads every closed opportunity of a company cannot answer within a request on a large
site: there it is computed by a background job, as the user who asked (so with their permissions), and
its result is kept for that user and those filters only, for a while. The report says it is being
computed, the job shows a progress bar, and the report page refreshes itself when the result is ready.
Below QUEUE_ABOVE opportunities the report answers at once, as any report does."""

import hashlib
import json

import frappe
from frappe import _

from opportunity_pipeline.sql import estimated_rows

# Above this many opportunities (the table's estimate), a report that reads all closed ones is queued:
# on this project's 2-core machine, 1,000,000 take about 3 s cold, 200,000 under 1 s.
QUEUE_ABOVE = 200_000
# How long a computed result is kept (seconds): a user who refreshes within it gets it at once.
KEPT_FOR = 15 * 60
READY_EVENT = "opportunity_pipeline_report_ready"


def answer_or_queue(report: str, filters: dict, compute):
	"""`compute(filters)` now on a small site; on a large one, the result a background job computed for
	this user and these filters, or None when it is queued (the caller says so). `compute` is a
	module-level function (the job imports it by name) taking `publish_progress` too."""
	if estimated_rows("Opportunity") <= QUEUE_ABOVE:
		return compute(filters)
	key = _key(report, filters)
	if (kept := frappe.cache.get_value(key, expires=True)) is not None:
		return kept
	frappe.enqueue(
		compute_for_user,
		queue="long",
		job_id=key,
		deduplicate=True,
		now=frappe.flags.in_test,
		report=report,
		compute=f"{compute.__module__}.{compute.__qualname__}",
		filters=filters,
	)
	return frappe.cache.get_value(key, expires=True) if frappe.flags.in_test else None


def compute_for_user(report: str, compute: str, filters: dict):
	"""Background, as the user who asked (frappe.enqueue runs a job as that user)."""
	result = frappe.get_attr(compute)(frappe._dict(filters), publish_progress=True)
	frappe.cache.set_value(_key(report, filters), result, expires_in_sec=KEPT_FOR)
	frappe.publish_progress(100, title=_(report))  # the desk closes its progress bar at 100 %
	frappe.publish_realtime(READY_EVENT, {"report": report}, user=frappe.session.user)


def progress(report: str, done: int, steps: int):
	"""The progress bar a queued report's job shows its user, after each step but the last
	(compute_for_user ends it)."""
	frappe.publish_progress(
		done * 100 / steps, title=_(report), description=_("Step {0} of {1}").format(done, steps)
	)


def queued_message() -> str:
	return _(
		"This site holds too many opportunities to compute this report within the request: it is being computed in the background, and this page refreshes when it is ready."
	)


def _key(report: str, filters: dict) -> str:
	"""Per user: a result counts only what its user may read."""
	text = json.dumps({"filters": filters, "user": frappe.session.user}, sort_keys=True, default=str)
	return f"opportunity_pipeline:report:{report}:{hashlib.sha256(text.encode()).hexdigest()[:32]}"
