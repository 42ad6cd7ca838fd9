"""The follow-up's user moves or closes its Event in the calendar: the opportunity follows."""

import frappe
from frappe.utils import get_datetime, now_datetime


def follow_calendar_edit(event, method=None):
	"""Event on_update. A move to a future time becomes the opportunity's Next Contact Date when the
	user may change the opportunity (its own checks apply); otherwise the user's change stays on the Event
	until the opportunity is next saved. A closed Event is a follow-up done: no reminder is sent for it."""
	if event.flags.written_by_follow_up:
		return
	doc = _opportunity_following_up(event)
	if doc is None:
		return
	starts_on = get_datetime(event.starts_on)
	moved = starts_on != get_datetime(doc.contact_date)
	if event.status == "Open" and moved and starts_on > now_datetime() and doc.has_permission("write"):
		doc.contact_date = starts_on
		doc.save()
	elif event.status != "Open" and doc.follow_up_reminder_due:
		frappe.db.set_value(doc.doctype, doc.name, "follow_up_reminder_due", None, update_modified=False)


def _opportunity_following_up(event):
	"""The opportunity among the Event's participants whose follow-up it is (so the Event is the one the
	app made for it, as event.follow_up_event_of requires); read without an index on follow_up_event, as
	most Events have no opportunity among their participants."""
	candidates = [
		row.reference_docname
		for row in event.get("event_participants") or []
		if row.reference_doctype == "Opportunity" and row.reference_docname
	]
	if not candidates:
		return None
	name = frappe.db.get_value(
		"Opportunity", {"name": ("in", candidates), "follow_up_event": event.name}, "name"
	)
	return frappe.get_doc("Opportunity", name) if name else None
