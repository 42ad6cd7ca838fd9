"""Keeps each opportunity's single follow-up Event in step with Next Contact By / Next Contact Date.

The Event is state the app derives from the opportunity: whoever may change the opportunity changes its
Event, even when the Event belongs to another user's calendar, so writes to it skip Event permissions.
"""

import frappe
from frappe import _
from frappe.utils import get_datetime, get_fullname, now_datetime

from opportunity_pipeline.pipeline.follow_up import (
	EVENT_DURATION,
	Action,
	ExistingEvent,
	FollowUp,
	plan_event,
	reminder_due,
	wanted_follow_up,
)


def wanted_for(doc) -> FollowUp | None:
	return wanted_follow_up(doc.get("contact_by"), _as_datetime(doc.get("contact_date")), doc.status)


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
	existing = _existing_event(doc.get("follow_up_event"))
	wanted = wanted_for(doc)
	action = plan_event(wanted, existing)
	if action == Action.CREATE:
		_create_event(doc, wanted)
	elif action == Action.UPDATE:
		_write_event(doc.follow_up_event, _event_values(doc, wanted), wanted.user, existing.user)
	elif action == Action.CLOSE:
		frappe.db.set_value("Event", doc.follow_up_event, "status", "Closed")
	elif action == Action.DELETE:
		delete_follow_up_event(doc)
	elif existing is None and doc.get("follow_up_event"):
		_link_event(doc, None)  # the Event was deleted from the calendar


def delete_follow_up_event(doc):
	event = doc.get("follow_up_event")
	if not event:
		return
	_link_event(doc, None)  # unlink first: Frappe refuses to delete an Event a document links to
	frappe.delete_doc("Event", event, ignore_permissions=True, ignore_missing=True)


def _existing_event(name: str | None) -> ExistingEvent | None:
	if not name:
		return None
	row = frappe.db.get_value("Event", name, ["owner", "starts_on", "status"], as_dict=True)
	if not row:
		return None
	return ExistingEvent(user=row.owner, starts_on=get_datetime(row.starts_on), status=row.status)


def _event_values(doc, wanted: FollowUp) -> dict:
	party = doc.get("customer_name") or doc.get("party_name")
	return {
		"subject": _("Follow up {0} ({1})").format(party, doc.name),
		"starts_on": wanted.starts_on,
		"ends_on": wanted.starts_on + EVENT_DURATION,
		"event_type": "Private",
		"event_category": "Event",
		"status": "Open",
		"description": _("Follow-up of opportunity {0}").format(doc.name),
	}


def _create_event(doc, wanted: FollowUp):
	values = _event_values(doc, wanted)
	event = frappe.get_doc({"doctype": "Event", **values})
	event.append("event_participants", {"reference_doctype": doc.doctype, "reference_docname": doc.name})
	event.insert(ignore_permissions=True)
	_write_event(event.name, values, wanted.user, event.owner)  # insert made the session user its owner
	_link_event(doc, event.name)


def _write_event(event: str, values: dict, user: str, current_owner: str):
	"""Write the Event and its timeline entry in place, handing both to the follow-up's user when it
	changed (a private Event shows in its owner's calendar only). Not Event.save: Frappe 15 adds the
	same Communication Link again on every save, so each later move of the follow-up would cost more."""
	handed_over = user != current_owner
	frappe.db.set_value("Event", event, {**values, "owner": user} if handed_over else values)
	communication = frappe.qb.DocType("Communication")
	update = (
		frappe.qb.update(communication)
		.set(communication.subject, values["subject"])
		.set(communication.content, values["description"])
		.set(communication.communication_date, values["starts_on"])
		.where((communication.reference_doctype == "Event") & (communication.reference_name == event))
	)
	if handed_over:
		update = update.set(communication.sender, user).set(
			communication.sender_full_name, get_fullname(user)
		)
	update.run()


def _link_event(doc, event: str | None):
	doc.follow_up_event = event
	frappe.db.set_value(doc.doctype, doc.name, "follow_up_event", event, update_modified=False)
