"""The daily job that closes opportunities with no response, set-based and in batches.

Per batch: one locking SELECT (SKIP LOCKED, so two workers split the rows), one UPDATE of the
opportunities, one of their open ToDos, one of their follow-up Events and one bulk INSERT of timeline
comments. Batches follow the primary key, so each row is read once. A batch that fails is redone row by
row, so one broken row is logged and skipped alone.
"""

from pypika.terms import ExistsCriterion, ValueWrapper

import frappe
from frappe import _
from frappe.query_builder import CustomFunction
from frappe.query_builder.functions import Concat, Count
from frappe.utils import now_datetime

from opportunity_pipeline.auto_close.settings import closing_days, closing_statuses
from opportunity_pipeline.pipeline.auto_close import idle_cutoff
from opportunity_pipeline.row_isolation import isolated

BATCH_SIZE = 5_000
Left = CustomFunction("LEFT", ["string", "length"])
Md5 = CustomFunction("MD5", ["string"])
Uuid = CustomFunction("UUID", [])
COMMENT_FIELDS = (
	"name",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"comment_type",
	"reference_doctype",
	"reference_name",
	"content",
)


def close_idle_opportunities(commit: bool = True, publish_progress: bool = False) -> int:
	"""Scheduled daily; also run by hand from Selling Settings. Returns how many it closed."""
	days, statuses = closing_days(), closing_statuses()
	if days <= 0 or not statuses:
		return 0
	now = now_datetime()
	cutoff = idle_cutoff(now, days)
	total = _count(cutoff, statuses) if publish_progress else 0
	closed, after = 0, ""
	while batch := _lock_batch(cutoff, statuses, after):
		closed += _close_batch(batch, days, now)
		after = batch[-1].name
		if commit:
			frappe.db.commit()
		if publish_progress and total:
			frappe.publish_progress(
				min(100, closed * 100 / total),
				title=_("Closing opportunities with no response"),
				description=_("{0} of {1} closed").format(closed, total),
			)
	return closed


def idle_opportunities(cutoff, statuses):
	"""The one definition of "no response": in an eligible status, not changed since `cutoff`, and no
	Communication (sent or received) about it since then. Same rule as pipeline.auto_close.is_idle."""
	opportunity = frappe.qb.DocType("Opportunity")
	communication = frappe.qb.DocType("Communication")
	recent_communication = (
		frappe.qb.from_(communication)
		.select(communication.name)
		.where(
			(communication.reference_doctype == "Opportunity")
			& (communication.reference_name == opportunity.name)
			& (communication.communication_type == "Communication")
			& (communication.communication_date >= cutoff)
		)
	)
	return (
		frappe.qb.from_(opportunity)
		.where(opportunity.status.isin(statuses))
		.where(opportunity.modified < cutoff)
		.where(ExistsCriterion(recent_communication).negate())
	)


def _count(cutoff, statuses) -> int:
	opportunity = frappe.qb.DocType("Opportunity")
	return idle_opportunities(cutoff, statuses).select(Count(opportunity.name)).run()[0][0]


def _lock_batch(cutoff, statuses, after: str) -> list:
	"""The next batch in name order: each row is read once per run (a row that failed stays behind),
	and rows another worker holds are skipped."""
	opportunity = frappe.qb.DocType("Opportunity")
	return (
		idle_opportunities(cutoff, statuses)
		.select(
			opportunity.name,
			opportunity.follow_up_event,
			opportunity.follow_up_reminder_due,
			opportunity._assign,
		)
		.where(opportunity.name > after)
		.orderby(opportunity.name)
		.limit(BATCH_SIZE)
		.for_update(skip_locked=True)
		.run(as_dict=True)
	)


def _close_batch(batch: list, days: int, now) -> int:
	savepoint = "auto_close_batch"
	frappe.db.savepoint(savepoint)
	try:
		_close(batch, days, now)
		return len(batch)
	except Exception:
		frappe.db.rollback(save_point=savepoint)
	title = _("Auto-close of an opportunity failed")
	return sum(isolated(lambda row=row: _close([row], days, now), row.name, title) for row in batch)


def _close(rows: list, days: int, now):
	names = [row.name for row in rows]
	opportunity = frappe.qb.DocType("Opportunity")
	todo = frappe.qb.DocType("ToDo")
	event = frappe.qb.DocType("Event")

	# Status only: the job is not a user's edit, so `modified` keeps the last real activity. Other
	# columns are written only on the rows that need it.
	frappe.qb.update(opportunity).set(opportunity.status, "Closed").where(opportunity.name.isin(names)).run()
	if assigned := [row.name for row in rows if frappe.parse_json(row._assign or "[]")]:
		frappe.qb.update(opportunity).set(opportunity._assign, "[]").where(
			opportunity.name.isin(assigned)
		).run()
		frappe.qb.update(todo).set(todo.status, "Closed").set(todo.modified, now).where(
			(todo.reference_type == "Opportunity")
			& todo.reference_name.isin(assigned)
			& (todo.status == "Open")
		).run()
	if reminded := [row.name for row in rows if row.follow_up_reminder_due]:
		frappe.qb.update(opportunity).set(opportunity.follow_up_reminder_due, None).where(
			opportunity.name.isin(reminded)
		).run()
	if events := [row.follow_up_event for row in rows if row.follow_up_event]:
		frappe.qb.update(event).set(event.status, "Closed").where(
			event.name.isin(events) & (event.status == "Open")
		).run()

	# One INSERT ... SELECT: the comments are built by the database, not row by row in Python.
	comment = frappe.qb.DocType("Comment")
	content = _("Closed automatically: no response for {0} days.").format(days)
	random_name = Left(Md5(Concat(opportunity.name, Uuid())), 12)
	constants = [
		ValueWrapper(value) for value in (now, now, "Administrator", "Administrator", "Info", "Opportunity")
	]
	frappe.qb.into(comment).columns(*COMMENT_FIELDS).from_(opportunity).select(
		random_name, *constants, opportunity.name, ValueWrapper(content)
	).where(opportunity.name.isin(names)).run()
	frappe.clear_document_cache("Opportunity")
