"""The scheduled job that reminds each follow-up's user on its day, once.

`follow_up_reminder_due` (indexed) is set when a follow-up is planned or moved and emptied when its
reminder is sent, so the job reads only the follow-ups that are due: its cost does not grow with the
number of opportunities.
"""

import frappe
from frappe import _
from frappe.desk.doctype.notification_settings.notification_settings import (
	is_email_notifications_enabled_for_type,
)
from frappe.utils import format_datetime, now_datetime

from opportunity_pipeline.pipeline.follow_up import FINISHED_STATUSES

BATCH_SIZE = 500


def send_due_reminders():
	"""Hourly. The job runner commits at the end; until then the claimed rows stay locked."""
	opportunity = frappe.qb.DocType("Opportunity")
	now = now_datetime()
	while due := (
		frappe.qb.from_(opportunity)
		.select(
			opportunity.name,
			opportunity.status,
			opportunity.contact_by,
			opportunity.contact_date,
			opportunity.customer_name,
			opportunity.party_name,
		)
		.where(opportunity.follow_up_reminder_due <= now)
		.limit(BATCH_SIZE)
		.run(as_dict=True)
	):
		for follow_up in due:
			_remind_once(follow_up)


def _remind_once(follow_up):
	savepoint = "follow_up_reminder"
	frappe.db.savepoint(savepoint)
	try:
		if not _claim(follow_up.name):
			return  # another worker reminded it
		if follow_up.status not in FINISHED_STATUSES and follow_up.contact_by:
			_notify(follow_up)
	except Exception:
		frappe.db.rollback(save_point=savepoint)
		_claim(follow_up.name)  # a broken follow-up must not come back every hour
		frappe.log_error(
			title=_("Follow-up reminder failed"),
			reference_doctype="Opportunity",
			reference_name=follow_up.name,
		)


def _claim(name: str) -> bool:
	"""Empty the due mark if still set; the row lock makes a concurrent worker's claim find nothing."""
	opportunity = frappe.qb.DocType("Opportunity")
	frappe.qb.update(opportunity).set(opportunity.follow_up_reminder_due, None).where(
		(opportunity.name == name) & opportunity.follow_up_reminder_due.isnotnull()
	).run()
	return frappe.db._cursor.rowcount == 1


def _notify(follow_up):
	party = follow_up.customer_name or follow_up.party_name
	subject = _("Follow up {0} ({1}) today at {2}").format(
		party, follow_up.name, format_datetime(follow_up.contact_date, "HH:mm")
	)
	frappe.get_doc(
		{
			"doctype": "Notification Log",
			"for_user": follow_up.contact_by,
			"type": "Alert",
			"subject": subject,
			"document_type": "Opportunity",
			"document_name": follow_up.name,
		}
	).insert(ignore_permissions=True)

	if is_email_notifications_enabled_for_type(follow_up.contact_by, "Event Reminders"):
		try:
			frappe.sendmail(
				recipients=[frappe.db.get_value("User", follow_up.contact_by, "email")],
				subject=subject,
				message=_("Opportunity {0} is due for a follow-up today.").format(follow_up.name),
				reference_doctype="Opportunity",
				reference_name=follow_up.name,
			)
		except frappe.OutgoingEmailError:
			# As Frappe's own notifications do: the in-app reminder stands without an e-mail account.
			frappe.log_error(
				_("Follow-up reminder e-mail not sent"),
				reference_doctype="Opportunity",
				reference_name=follow_up.name,
			)
