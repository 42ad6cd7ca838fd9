"""The daily job that closes opportunities with no response, set-based and in batches.

Batches follow the primary key. Per batch: one locking SELECT of the next idle opportunities, then
statements over the batch's key range and the same idleness rule: one INSERT ... SELECT of the timeline
comments and one UPDATE of the status; the open ToDos, follow-up Events and reminder marks of the few
rows that have them. The SELECT waits for rows another worker holds (no SKIP LOCKED): every idle row in
a batch's range is then this worker's, so the range statements touch exactly the batch, and a second
worker finds those rows closed. A batch that fails is redone row by row; a broken row is logged alone.
"""

from pypika.terms import ExistsCriterion, ValueWrapper

import frappe
from frappe import _
from frappe.query_builder.functions import Concat, Count
from frappe.utils import now_datetime

from opportunity_pipeline.auto_close.rules import idle_cutoff
from opportunity_pipeline.auto_close.settings import closing_days, closing_statuses
from opportunity_pipeline.pipeline_document import OPPORTUNITY, PipelineDocument, Response
from opportunity_pipeline.pipeline_history.record import record_changes
from opportunity_pipeline.row_isolation import in_one_go_or_row_by_row

BATCH_SIZE = 5_000
# Open opportunities by status and last change (install.INDEXES builds it): the preview reads it in order.
IDLE_INDEX = "idle_index"
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
	run = _Run(days=days, now=now_datetime(), statuses=statuses)
	total = _count(run) if publish_progress else 0
	closed, after = 0, ""
	while batch := _lock_batch(run, after):
		closed += _close_batch(run, batch)
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


def idle_condition(cutoff, statuses, document: PipelineDocument = OPPORTUNITY):
	"""The one definition of "no response", as a condition on the document's table: in an eligible status,
	not changed since `cutoff`, and no response (its declaration's: a Communication sent or received, on a
	deal also a logged call) about it since then. It applies auto_close.rules.is_idle in SQL; test_job
	proves the two agree on a table of cases."""
	table = frappe.qb.DocType(document.doctype)
	condition = table[document.status_field].isin(statuses) & (table.modified < cutoff)
	for response in document.responses:
		condition &= ExistsCriterion(_responses_since(response, document.doctype, table, cutoff)).negate()
	return condition


def _responses_since(response: Response, doctype: str, table, cutoff):
	record = frappe.qb.DocType(response.doctype)
	about = (record[response.reference_doctype_field] == doctype) & (
		record[response.reference_name_field] == table.name
	)
	if response.only_where:
		fieldname, value = response.only_where
		about &= record[fieldname] == value
	return frappe.qb.from_(record).select(record.name).where(about & (record[response.date_field] >= cutoff))


def idle_opportunities(cutoff, statuses, document: PipelineDocument = OPPORTUNITY):
	table = frappe.qb.DocType(document.doctype)
	return frappe.qb.from_(table).where(idle_condition(cutoff, statuses, document))


class _Run:
	"""One run's settings, and the token that makes its comment names unique and in key order."""

	def __init__(self, days: int, now, statuses: list[str]):
		self.days, self.now, self.statuses = days, now, statuses
		self.cutoff = idle_cutoff(now, days)
		self.token = f"auto-close-{frappe.generate_hash(length=8)}-"
		self.content = _("Closed automatically: no response for {0} days.").format(days)

	def idle(self):
		return idle_condition(self.cutoff, self.statuses)


def _count(run: _Run) -> int:
	opportunity = frappe.qb.DocType("Opportunity")
	return idle_opportunities(run.cutoff, run.statuses).select(Count(opportunity.name)).run()[0][0]


def _lock_batch(run: _Run, after: str) -> list:
	opportunity = frappe.qb.DocType("Opportunity")
	return (
		idle_opportunities(run.cutoff, run.statuses)
		.select(
			opportunity.name,
			opportunity.follow_up_event,
			opportunity.follow_up_reminder_due,
			opportunity._assign,
		)
		.where(opportunity.name > after)
		.orderby(opportunity.name)
		.limit(BATCH_SIZE)
		.for_update()
		.run(as_dict=True)
	)


def _close_batch(run: _Run, batch: list) -> int:
	title = _("Auto-close of an opportunity failed")
	return in_one_go_or_row_by_row(lambda rows: _close(run, rows), batch, title)


def _close(run: _Run, rows: list):
	"""Close `rows`, a run of idle opportunities in key order that this transaction holds."""
	opportunity = frappe.qb.DocType("Opportunity")
	in_batch = run.idle() & opportunity.name[rows[0].name : rows[-1].name]

	comment = frappe.qb.DocType("Comment")
	constants = [ValueWrapper(value) for value in (run.now, run.now, "Administrator", "Administrator")]
	frappe.qb.into(comment).columns(*COMMENT_FIELDS).from_(opportunity).select(
		Concat(ValueWrapper(run.token), opportunity.name),
		*constants,
		ValueWrapper("Info"),
		ValueWrapper("Opportunity"),
		opportunity.name,
		ValueWrapper(run.content),
	).where(in_batch).run()
	# `modified` moves as on any save: a form loaded before the job gets Frappe's "document has been
	# modified" error instead of reopening the opportunity silently.
	frappe.qb.update(opportunity).set(opportunity.status, "Closed").set(opportunity.modified, run.now).set(
		opportunity.modified_by, "Administrator"
	).where(in_batch).run()
	record_changes(opportunity.name[rows[0].name : rows[-1].name], now=run.now)

	if assigned := [row.name for row in rows if frappe.parse_json(row._assign or "[]")]:
		todo = frappe.qb.DocType("ToDo")
		frappe.qb.update(opportunity).set(opportunity._assign, "[]").where(
			opportunity.name.isin(assigned)
		).run()
		frappe.qb.update(todo).set(todo.status, "Closed").set(todo.modified, run.now).where(
			(todo.reference_type == "Opportunity")
			& todo.reference_name.isin(assigned)
			& (todo.status == "Open")
		).run()
	if reminded := [row.name for row in rows if row.follow_up_reminder_due]:
		frappe.qb.update(opportunity).set(opportunity.follow_up_reminder_due, None).where(
			opportunity.name.isin(reminded)
		).run()
	if events := [row.follow_up_event for row in rows if row.follow_up_event]:
		event = frappe.qb.DocType("Event")
		frappe.qb.update(event).set(event.status, "Closed").where(
			event.name.isin(events) & (event.status == "Open")
		).run()
	frappe.clear_document_cache("Opportunity")
