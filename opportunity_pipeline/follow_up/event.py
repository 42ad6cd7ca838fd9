"""Keeps each opportunity's (and deal's) single follow-up Event in step with Next Contact By / Date.

The Event is state the app derives from the opportunity: whoever may change the opportunity changes its
Event, even when the Event belongs to another user's calendar, so writes to it skip Event permissions.
"""

import functools

from pypika.terms import Parameter

import frappe
from frappe import _
from frappe.utils import get_datetime, get_fullname, now_datetime

from opportunity_pipeline.document_types import is_finished, named_with_party
from opportunity_pipeline.follow_up.plan import (
	EVENT_DURATION,
	Action,
	ExistingEvent,
	FollowUp,
	plan_event,
	reminder_due,
	wanted_follow_up,
)

# The medium Frappe gives the timeline entry it makes for an Event of category "Event".
EVENT_TIMELINE_MEDIUM = "Event"


def wanted_for(doc) -> FollowUp | None:
	"""Whether the document has left the pipeline is read only where it asks for a follow-up at all."""
	if not doc.get("contact_by") or not doc.get("contact_date"):
		return None
	return wanted_follow_up(
		doc.contact_by, _as_datetime(doc.contact_date), is_finished(doc.doctype, doc.status)
	)


def reopened(doc) -> bool:
	"""A finished document taken back into the pipeline: its closed follow-up opens again."""
	before = doc.get_doc_before_save()
	return bool(
		before and is_finished(doc.doctype, before.status) and not is_finished(doc.doctype, doc.status)
	)


def _as_datetime(value):
	"""get_datetime(None) is now(); an empty field must stay empty."""
	return get_datetime(value) if value else None


def validate_follow_up(doc):
	"""Refuse a follow-up nobody can act on; a date that has merely passed never blocks a save."""
	before = doc.get_doc_before_save()
	by_changed = not before or before.get("contact_by") != doc.get("contact_by")
	date_changed = not before or _as_datetime(before.get("contact_date")) != _as_datetime(
		doc.get("contact_date")
	)

	if doc.get("contact_by") and by_changed:
		enabled = frappe.db.get_value("User", doc.contact_by, "enabled")
		if enabled is None:
			frappe.throw(_("Next Contact By: user {0} does not exist.").format(frappe.bold(doc.contact_by)))
		if not enabled:
			frappe.throw(_("Next Contact By: user {0} is disabled.").format(frappe.bold(doc.contact_by)))

	if doc.get("contact_date") and date_changed and _as_datetime(doc.contact_date) < now_datetime():
		frappe.throw(_("Next Contact Date cannot be in the past."), title=_("Invalid Next Contact Date"))

	if by_changed or date_changed:
		# A new or moved follow-up is reminded again, once.
		doc.follow_up_reminder_due = reminder_due(wanted_for(doc))


def sync_follow_up_event(doc):
	"""Create, move, hand over, close or delete the opportunity's Event so that exactly one matches it."""
	existing = follow_up_event_of(doc)
	if existing is None and doc.get("follow_up_event"):
		_link_event(doc, None)  # deleted from the calendar, or not the app's: forgotten, never touched
	wanted = wanted_for(doc)
	action = plan_event(wanted, existing, reopened=existing is not None and reopened(doc))
	if action == Action.CREATE:
		_create_event(doc, wanted)
	elif action == Action.UPDATE:
		_write_event(doc, _event_values(doc, wanted), wanted.user)
	elif action == Action.CLOSE:
		frappe.db.set_value("Event", doc.follow_up_event, "status", "Closed")
	elif action == Action.DELETE:
		_delete_event(doc)


def delete_follow_up_event(doc):
	"""on_trash of an opportunity or a deal: its Event goes with it, if it is the one the app made for it."""
	if follow_up_event_of(doc) is not None:
		_delete_event(doc)


def _delete_event(doc):
	"""The opportunity's own Event (the caller has checked that it is)."""
	event = doc.follow_up_event
	_link_event(doc, None)  # unlink first: Frappe refuses to delete an Event a document links to
	frappe.delete_doc("Event", event, ignore_permissions=True, ignore_missing=True)


def follow_up_event_of(doc) -> ExistingEvent | None:
	"""The opportunity's Event, if it still exists and is the one the app made for it: an Event whose
	participant is this opportunity. Any other Event is left alone, whoever linked it."""
	name = doc.get("follow_up_event")
	if not name:
		return None
	rows = frappe.db.sql(
		_follow_up_event_query(frappe.db.db_type),
		{"event": name, "doctype": doc.doctype, "name": doc.name},
		as_dict=True,
	)
	if not rows:
		return None
	return ExistingEvent(user=rows[0].owner, starts_on=get_datetime(rows[0].starts_on), status=rows[0].status)


@functools.cache
def _follow_up_event_query(db_type: str) -> str:
	"""The query of follow_up_event_of, built once per database type (frappe.qb writes each one's SQL):
	every save of an opportunity with a follow-up runs it."""
	event = frappe.qb.DocType("Event")
	participant = frappe.qb.DocType("Event Participants")
	return (
		frappe.qb.from_(event)
		.join(participant)
		.on((participant.parent == event.name) & (participant.parenttype == "Event"))
		.select(event.owner, event.starts_on, event.status)
		.where(
			(event.name == Parameter("%(event)s"))
			& (participant.reference_doctype == Parameter("%(doctype)s"))
			& (participant.reference_docname == Parameter("%(name)s"))
		)
		.limit(1)
		.get_sql()
	)


def _event_values(doc, wanted: FollowUp) -> dict:
	return {
		"subject": _("Follow up {0}").format(named_with_party(doc)),
		"starts_on": wanted.starts_on,
		"ends_on": wanted.starts_on + EVENT_DURATION,
		"event_type": "Private",
		"event_category": "Event",
		"status": "Open",
		"description": _("Follow-up of {0} {1}").format(_(doc.doctype), doc.name),
	}


def _create_event(doc, wanted: FollowUp):
	values = _event_values(doc, wanted)
	event = frappe.get_doc({"doctype": "Event", **values})
	event.append("event_participants", {"reference_doctype": doc.doctype, "reference_docname": doc.name})
	event.flags.written_by_follow_up = True  # not a calendar edit for follow_up.calendar to reflect
	event.insert(ignore_permissions=True)
	_link_event(doc, event.name)
	_write_event(doc, values, wanted.user)  # insert made the session user its owner


def _write_event(doc, values: dict, user: str):
	"""Write the Event and the opportunity's timeline entry of it in place, in one statement (a save of
	the follow-up pays for it), and hand both to the follow-up's user (a private Event shows in its
	owner's calendar only). Not Event.save: Frappe 15 adds the same Communication Link again on every
	save, so each later move of the follow-up would cost more. Only the entry Frappe made for this
	opportunity is written, never another Communication (an e-mail, a call) that refers to the Event."""
	frappe.db.sql(
		"""
		update `tabEvent` event
		left join `tabCommunication` entry
			on entry.reference_doctype = 'Event'
			and entry.reference_name = event.name
			and entry.communication_medium = %(medium)s
			and entry.name in (
				select link.parent from `tabCommunication Link` link
				where link.link_doctype = %(doctype)s and link.link_name = %(opportunity)s
			)
		set
			event.subject = %(subject)s, event.description = %(description)s,
			event.starts_on = %(starts_on)s, event.ends_on = %(ends_on)s, event.event_type = %(event_type)s,
			event.event_category = %(event_category)s, event.status = %(status)s, event.owner = %(user)s,
			event.modified = %(now)s, event.modified_by = %(session_user)s,
			entry.subject = %(subject)s, entry.content = %(description)s,
			entry.communication_date = %(starts_on)s, entry.sender = %(user)s,
			entry.sender_full_name = %(full_name)s
		where event.name = %(event)s
		""",
		{
			**values,
			"medium": EVENT_TIMELINE_MEDIUM,
			"doctype": doc.doctype,
			"opportunity": doc.name,
			"user": user,
			"full_name": get_fullname(user),
			"now": now_datetime(),
			"session_user": frappe.session.user,
			"event": doc.follow_up_event,
		},
	)


def _link_event(doc, event: str | None):
	doc.follow_up_event = event
	frappe.db.set_value(doc.doctype, doc.name, "follow_up_event", event, update_modified=False)
