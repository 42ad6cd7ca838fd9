"""The daily follow-up digest: one Notification Log per user per day (and an e-mail when their
notification settings allow) listing their follow-ups due today, overdue follow-ups, stalled
opportunities and opportunities without a next step, Frappe CRM's deals among them where it is
installed. Nothing is sent for an empty digest; a user opts out in their Notification Settings; the
whole digest is off until a manager turns it on in Selling Settings.

Set-based: each section is one query over what is due (health.health_rows); a user whom something
restricts costs one more query, narrowing their items to what they may read. A user's day is marked
in their defaults once sent, so a second run the same day sends nothing again."""

import frappe
from frappe import _
from frappe.desk.doctype.notification_settings.notification_settings import (
	is_email_notifications_enabled,
)
from frappe.email.doctype.email_account.email_account import EmailAccount
from frappe.utils import escape_html, get_url_to_form, now_datetime, today

from opportunity_pipeline.document_types import available
from opportunity_pipeline.permissions import readable_condition
from opportunity_pipeline.pipeline_health import deals
from opportunity_pipeline.pipeline_health.health import health_rows, section_conditions
from opportunity_pipeline.pipeline_health.rules import (
	DUE_TODAY,
	NO_NEXT_STEP,
	OVERDUE,
	SECTIONS,
	STALLED,
	digest_is_empty,
)
from opportunity_pipeline.pipeline_health.stalled import refresh_daily
from opportunity_pipeline.row_isolation import isolated

SENT_ON = "opportunity_pipeline_digest_sent_on"


def daily_health():
	"""Daily: the Stalled flags first (a day more in a stage can stall an opportunity or a deal), then
	the digest. Returns the e-mails queued (send_digests)."""
	refresh_daily()
	deals.refresh_daily()
	return send_digests()


def send_digests() -> list:
	"""One digest per user with something to read; returns the e-mails it queued, (address, subject,
	content), rendered by background jobs of EMAIL_BATCH each."""
	if not frappe.db.get_single_value("Selling Settings", "pipeline_digest_enabled"):
		return []
	items = {}  # user -> section -> [(doctype, name)]
	now = now_datetime()
	for document in available():
		for section, condition in section_conditions(now, document).items():
			for name, users in health_rows(condition, document):
				for user in users:
					items.setdefault(user, {}).setdefault(section, []).append((document.doctype, name))
	# A site with no outgoing e-mail account gets the notifications only, not an Error Log per user.
	can_email = bool(EmailAccount.find_outgoing())
	emails = []
	for user, email in _recipients(items).items():
		isolated(
			lambda user=user, email=email if can_email else None: _send(user, email, items[user], emails),
			user,
			_("Opportunity digest failed"),
			"User",
		)
	for start in range(0, len(emails), EMAIL_BATCH):
		frappe.enqueue(
			send_digest_emails,
			queue="long",
			enqueue_after_commit=True,
			emails=emails[start : start + EMAIL_BATCH],
		)
	return emails


# Frappe renders each e-mail with its template and inlines its CSS (about 17 ms): the e-mails go to
# background jobs, so the digests' notifications do not wait for them and several workers share them.
EMAIL_BATCH = 50


def send_digest_emails(emails):
	"""Queue each digest e-mail (address, subject, content) in Frappe's Email Queue."""
	for address, subject, content in emails:
		try:
			frappe.sendmail(recipients=[address], subject=subject, message=content)
		except frappe.OutgoingEmailError:
			frappe.log_error(
				_("Opportunity digest e-mail not sent"), reference_doctype="User", reference_name=address
			)


def _recipients(items) -> dict:
	"""user -> e-mail address of the enabled desk users with something to read who did not opt out and
	got no digest today."""
	if not items:
		return {}
	emails = dict(
		frappe.get_all(
			"User",
			filters={"name": ("in", list(items)), "enabled": 1, "user_type": "System User"},
			fields=["name", "email"],
			as_list=True,
		)
	)
	users = list(emails)
	opted_out = set(
		frappe.get_all(
			"Notification Settings",
			filters={"name": ("in", users), "opportunity_digest": 0},
			pluck="name",
		)
	)
	sent = set(
		frappe.get_all(
			"DefaultValue",
			filters={"parent": ("in", users), "defkey": SENT_ON, "defvalue": today()},
			pluck="parent",
		)
	)
	return {user: emails[user] for user in users if user not in opted_out and user not in sent}


def _send(user, email, sections, emails):
	sections = _readable_by(user, sections)
	if digest_is_empty(sections):
		return
	_mark_sent(user)
	counts = {section: len(sections.get(section) or []) for section in SECTIONS}
	subject = _(
		"Your opportunities today: {0} follow-ups due, {1} overdue, {2} stalled, {3} without a next step"
	).format(counts[DUE_TODAY], counts[OVERDUE], counts[STALLED], counts[NO_NEXT_STEP])
	content = _content(sections)
	frappe.get_doc(
		{
			"doctype": "Notification Log",
			"for_user": user,
			"type": "Alert",
			"subject": subject,
			"email_content": content,
			"document_type": "Opportunity",
		}
	).insert(ignore_permissions=True)
	if email and is_email_notifications_enabled(user):
		emails.append((email, subject, content))


def _mark_sent(user):
	"""Today's mark in the user's defaults, written as frappe.defaults.set_user_default writes it but
	without clearing every cache of the user, which cost a third of the job: the mark is read from the
	table (_recipients), never from the cache."""
	frappe.db.delete("DefaultValue", {"parent": user, "defkey": SENT_ON})
	frappe.get_doc(
		{
			"doctype": "DefaultValue",
			"parent": user,
			"parenttype": "__default",
			"parentfield": "system_defaults",
			"defkey": SENT_ON,
			"defvalue": today(),
		}
	).db_insert()


def _readable_by(user, sections) -> dict:
	"""The user's items narrowed to what Frappe lets them read: one query per document type, for a
	restricted user only; none of a type they may not read at all (Next Contact By needs no read right)."""
	allowed = set()
	for doctype in {doctype for items in sections.values() for doctype, _name in items}:
		names = [name for items in sections.values() for kind, name in items if kind == doctype]
		try:
			readable = readable_condition(doctype, user)
		except frappe.PermissionError:
			continue
		if readable is None:
			allowed.update((doctype, name) for name in names)
			continue
		table = frappe.qb.DocType(doctype)
		allowed.update(
			(doctype, name)
			for name in frappe.qb.from_(table)
			.select(table.name)
			.where(table.name.isin(names) & readable)
			.run(pluck=True)
		)
	return {section: [item for item in items if item in allowed] for section, items in sections.items()}


def _section_titles() -> dict:
	return {
		DUE_TODAY: _("Follow-ups due today"),
		OVERDUE: _("Overdue follow-ups"),
		STALLED: _("Stalled opportunities"),
		NO_NEXT_STEP: _("Opportunities without a next step"),
	}


# A section lists this many opportunities, then says how many more it holds: a message stays readable
# (and quick to render) for a user behind on thousands.
LINKS_PER_SECTION = 50


def _content(sections) -> str:
	titles = _section_titles()
	parts = []
	for section in SECTIONS:
		items = sections.get(section) or []
		if not items:
			continue
		links = "".join(
			f'<li><a href="{get_url_to_form(doctype, name)}">{escape_html(name)}</a></li>'
			for doctype, name in items[:LINKS_PER_SECTION]
		)
		if len(items) > LINKS_PER_SECTION:
			links += "<li>{}</li>".format(_("and {0} more").format(len(items) - LINKS_PER_SECTION))
		parts.append(f"<p><b>{titles[section]}</b> ({len(items)})</p><ul>{links}</ul>")
	return "".join(parts)
