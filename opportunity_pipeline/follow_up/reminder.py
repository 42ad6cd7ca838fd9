"""The scheduled job that reminds each follow-up's user on its day, once: of opportunities, and of
Frappe CRM's deals where it is installed.

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

from opportunity_pipeline.document_types import available, is_finished, named_with_party
from opportunity_pipeline.pipeline_document import OPPORTUNITY, PipelineDocument
from opportunity_pipeline.row_isolation import isolated

BATCH_SIZE = 500


def send_due_reminders():
	"""Hourly. The job runner commits at the end; until then the claimed rows stay locked."""
	now = now_datetime()
	for document in available():
		while due := _claim_due(now, document):
			for follow_up in due:
				if not is_finished(follow_up.doctype, follow_up.status) and follow_up.contact_by:
					_remind(follow_up)


def _claim_due(now, document: PipelineDocument) -> list:
	"""Lock a batch of due follow-ups and empty their due mark. SKIP LOCKED: a worker running at the same
	time takes other rows, so each follow-up is reminded by one worker, once."""
	table = frappe.qb.DocType(document.doctype)
	due = due_follow_ups(now, document).for_update(skip_locked=True).run(as_dict=True)
	if due:
		frappe.qb.update(table).set(table.follow_up_reminder_due, None).where(
			table.name.isin([row.name for row in due])
		).run()
		for row in due:
			row.doctype = document.doctype
		_add_emails(due)
	return due


def due_follow_ups(now, document: PipelineDocument = OPPORTUNITY):
	"""The query of one batch of due follow-ups; it reads the follow_up_reminder_due index."""
	table = frappe.qb.DocType(document.doctype)
	return (
		frappe.qb.from_(table)
		.select(
			table.name,
			table[document.status_field].as_("status"),
			table.contact_by,
			table.contact_date,
			*(table[field] for field in document.party_fields),
		)
		.where(table.follow_up_reminder_due <= now)
		.limit(BATCH_SIZE)
	)


def _add_emails(due: list):
	"""The users' e-mail addresses, in one query for the batch."""
	users = {row.contact_by for row in due if row.contact_by}
	emails = dict(
		frappe.get_all("User", filters={"name": ("in", users)}, fields=["name", "email"], as_list=True)
	)
	for row in due:
		row.email = emails.get(row.contact_by)


def _remind(follow_up):
	"""One broken follow-up is logged and stays claimed: it neither stops the others nor returns hourly."""
	isolated(lambda: _notify(follow_up), follow_up.name, _("Follow-up reminder failed"), follow_up.doctype)


def _notify(follow_up):
	subject = _("Follow up {0} today at {1}").format(
		named_with_party(follow_up), format_datetime(follow_up.contact_date, "HH:mm")
	)
	frappe.get_doc(
		{
			"doctype": "Notification Log",
			"for_user": follow_up.contact_by,
			"type": "Alert",
			"subject": subject,
			"document_type": follow_up.doctype,
			"document_name": follow_up.name,
		}
	).insert(ignore_permissions=True)

	if is_email_notifications_enabled_for_type(follow_up.contact_by, "Event Reminders"):
		try:
			frappe.sendmail(
				recipients=[follow_up.email],
				subject=subject,
				message=_("{0} {1} is due for a follow-up today.").format(
					_(follow_up.doctype), follow_up.name
				),
				reference_doctype=follow_up.doctype,
				reference_name=follow_up.name,
			)
		except frappe.OutgoingEmailError:
			# As Frappe's own notifications do: the in-app reminder stands without an e-mail account.
			frappe.log_error(
				_("Follow-up reminder e-mail not sent"),
				reference_doctype=follow_up.doctype,
				reference_name=follow_up.name,
			)
