"""A deal's follow-up as a Frappe CRM task (CRM Task), beside its calendar Event: it shows in the deal's
Tasks in Frappe CRM's own UI, and Frappe CRM notifies its user when it is assigned to them. One task per
deal, kept in step with Next Contact By / Date by the Event's rules (follow_up.plan): moved, handed over,
cancelled when the deal leaves the pipeline, deleted when the follow-up is cleared; a task its user marked
done stays done until the follow-up is moved.

Like the Event, the task is state the app derives from the deal: whoever may change the deal changes its
task, even one assigned to another user, so writes to it skip CRM Task permissions.
"""

import functools

from pypika.terms import Parameter

import frappe
from frappe import _
from frappe.utils import get_datetime

from opportunity_pipeline.document_types import named_with_party
from opportunity_pipeline.follow_up.event import reopened, wanted_for
from opportunity_pipeline.follow_up.plan import Action, ExistingEvent, FollowUp, plan_event

TASK = "CRM Task"
# Frappe CRM's task statuses still to do; the others (Done, Canceled) are finished.
TASK_TO_DO = ("Backlog", "Todo", "In Progress")
TASK_OPENED, TASK_CANCELLED = "Todo", "Canceled"


def sync_follow_up_task(doc):
	"""Create, move, hand over, cancel or delete the deal's task so that exactly one matches it."""
	existing = follow_up_task_of(doc)
	if existing is None and doc.get("follow_up_task"):
		_link_task(doc, None)  # deleted in Frappe CRM, or not the app's: forgotten, never touched
	wanted = wanted_for(doc)
	action = plan_event(wanted, existing, reopened=existing is not None and reopened(doc))
	if action == Action.CREATE:
		_create_task(doc, wanted)
	elif action == Action.UPDATE:
		_write_task(doc, {**_task_values(doc, wanted), "status": TASK_OPENED}, existing.user != wanted.user)
	elif action == Action.CLOSE:
		_write_task(doc, {"status": TASK_CANCELLED}, handed_over=False)
	elif action == Action.DELETE:
		_delete_task(doc)


def delete_follow_up_task(doc):
	"""CRM Deal on_trash: its task goes with it, if it is the one the app made for it."""
	if follow_up_task_of(doc) is not None:
		_delete_task(doc)


def follow_up_task_of(doc) -> ExistingEvent | None:
	"""The deal's task, if it still exists and is the one the app made for it (it refers to this deal)."""
	name = doc.get("follow_up_task")
	if not name:
		return None
	found = frappe.db.sql(
		_task_query(frappe.db.db_type),
		{"task": name, "doctype": doc.doctype, "name": doc.name},
		as_dict=True,
	)
	if not found:
		return None
	task = found[0]
	status = "Open" if task.status in TASK_TO_DO else "Closed"
	return ExistingEvent(user=task.assigned_to, starts_on=get_datetime(task.due_date), status=status)


@functools.cache
def _task_query(db_type: str) -> str:
	"""The query of follow_up_task_of, built once per database type (frappe.qb writes each one's SQL):
	every save of a deal with a follow-up runs it."""
	task = frappe.qb.DocType(TASK)
	return (
		frappe.qb.from_(task)
		.select(task.assigned_to, task.due_date, task.status)
		.where(
			(task.name == Parameter("%(task)s"))
			& (task.reference_doctype == Parameter("%(doctype)s"))
			& (task.reference_docname == Parameter("%(name)s"))
		)
		.get_sql()
	)


def _task_values(doc, wanted: FollowUp) -> dict:
	return {
		"title": _("Follow up {0}").format(named_with_party(doc)),
		"assigned_to": wanted.user,
		"due_date": wanted.starts_on,
		"description": _("Follow-up of {0} {1}").format(_(doc.doctype), doc.name),
	}


def _create_task(doc, wanted: FollowUp):
	task = frappe.get_doc(
		{
			"doctype": TASK,
			**_task_values(doc, wanted),
			"status": TASK_OPENED,
			"priority": "Medium",
			"reference_doctype": doc.doctype,
			"reference_docname": doc.name,
		}
	)
	task.insert(ignore_permissions=True)  # Frappe CRM assigns it to its user, who is notified
	_link_task(doc, task.name)


def _write_task(doc, values: dict, handed_over: bool):
	"""Handed over to another user, through the task's own save, as Frappe CRM moves its assignment then;
	otherwise in place, in one statement (CRM Task's save does nothing else, keeps no Version, and cost a
	moved follow-up 4 ms more)."""
	if not handed_over:
		frappe.db.set_value(TASK, doc.follow_up_task, values)
		return
	task = frappe.get_doc(TASK, doc.follow_up_task)
	task.update(values)
	task.save(ignore_permissions=True)


def _delete_task(doc):
	"""The task and Frappe CRM's notifications of it, which would otherwise point at nothing (and, as they
	refer to the deal too, keep the deal from being deleted)."""
	task = doc.follow_up_task
	_link_task(doc, None)  # unlink first: Frappe refuses to delete a task a document links to
	frappe.db.delete(
		"CRM Notification", {"notification_type_doctype": TASK, "notification_type_doc": str(task)}
	)
	frappe.delete_doc(TASK, task, ignore_permissions=True, ignore_missing=True, force=True)


def _link_task(doc, task: str | None):
	doc.follow_up_task = task
	frappe.db.set_value(doc.doctype, doc.name, "follow_up_task", task, update_modified=False)
