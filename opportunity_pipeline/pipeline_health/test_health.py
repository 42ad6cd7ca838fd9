"""Pipeline health on hand-built histories: the stalled rule, the missing next step, the digest and
who sees what."""

import json
from datetime import datetime
from unittest.mock import patch

import frappe

from opportunity_pipeline.api import my_overdue_follow_ups_card, pipeline_health
from opportunity_pipeline.opportunity_pipeline.report.opportunity_pipeline_forecast.opportunity_pipeline_forecast import (
	execute as forecast,
)
from opportunity_pipeline.pipeline_health import health
from opportunity_pipeline.pipeline_health.digest import (
	SENT_ON,
	daily_health,
	send_digest_emails,
	send_digests,
)
from opportunity_pipeline.pipeline_health.stalled import refresh_daily, refresh_stalled
from opportunity_pipeline.pipeline_history.test_as_of import COMPANY, HistoryTestCase, at
from opportunity_pipeline.tests.factories import make_stage, make_territory, make_user

OWNER = "_op_health_owner@example.com"


class HealthTestCase(HistoryTestCase):
	def setUp(self):
		super().setUp()
		self.slow = make_stage("_OP Health Slow", 30)
		self.fast = make_stage("_OP Health Fast", 60)
		frappe.db.set_value("Sales Stage", self.slow, "stalled_after_days", 5)
		frappe.db.set_value("Sales Stage", self.fast, "stalled_after_days", 0)
		self.owner = make_user(OWNER, roles=("Sales User",))
		frappe.db.set_single_value("Selling Settings", "no_next_step_after_days", 7)

	def stalled_on(self, doc, day) -> bool:
		"""The flag the daily refresh leaves on `day`, checked against a refresh of every opportunity."""
		with self.freeze_time(at(day)):
			refresh_daily()
			daily = bool(frappe.db.get_value("Opportunity", doc.name, "is_stalled"))
			refresh_stalled()
		self.assertEqual(daily, bool(frappe.db.get_value("Opportunity", doc.name, "is_stalled")))
		return daily


class TestStalled(HealthTestCase):
	def test_days_in_the_current_stage_from_the_history(self):
		doc = self.opportunity("2026-03-02", sales_stage=self.slow)
		self.assertFalse(self.stalled_on(doc, "2026-03-07"))  # 5 days: not longer than 5
		self.assertTrue(self.stalled_on(doc, "2026-03-08"))
		self.change(doc, "2026-03-08", sales_stage=self.fast)  # a stage that never stalls
		self.assertFalse(frappe.db.get_value("Opportunity", doc.name, "is_stalled"))
		self.assertFalse(self.stalled_on(doc, "2026-04-30"))
		self.change(doc, "2026-05-01", sales_stage=self.slow)  # back: its days count afresh
		self.assertFalse(self.stalled_on(doc, "2026-05-05"))
		self.assertTrue(self.stalled_on(doc, "2026-05-07"))

	def test_a_save_that_changes_nothing_tracked_keeps_the_days(self):
		doc = self.opportunity("2026-03-02", sales_stage=self.slow)
		self.change(doc, "2026-03-06", customer_name="Renamed")
		self.assertTrue(self.stalled_on(doc, "2026-03-08"))

	def test_snooze_silences_through_its_date(self):
		doc = self.opportunity("2026-03-02", sales_stage=self.slow)
		self.change(doc, "2026-03-03", stalled_snoozed_until="2026-03-10")
		self.assertFalse(self.stalled_on(doc, "2026-03-10"))
		self.assertTrue(self.stalled_on(doc, "2026-03-11"))

	def test_reopened_counts_from_the_reopening(self):
		doc = self.opportunity("2026-03-02", sales_stage=self.slow)
		with self.freeze_time(at("2026-03-04")):
			frappe.get_doc("Opportunity", doc.name).db_set("status", "Lost")
		self.assertFalse(self.stalled_on(doc, "2026-03-20"))  # lost: not open
		with self.freeze_time(at("2026-03-20")):
			frappe.get_doc("Opportunity", doc.name).db_set("status", "Open")
		self.assertFalse(self.stalled_on(doc, "2026-03-24"))
		self.assertTrue(self.stalled_on(doc, "2026-03-26"))

	def test_a_client_cannot_set_the_flag(self):
		doc = self.opportunity("2026-03-02", sales_stage=self.slow)
		self.change(doc, "2026-03-03", is_stalled=1)
		self.assertFalse(frappe.db.get_value("Opportunity", doc.name, "is_stalled"))

	def test_the_forecast_leaves_stalled_ones_out_or_apart(self):
		day = datetime.now().date()
		self.opportunity("2026-03-02", sales_stage=self.slow, opportunity_amount=400, expected_closing=day)
		self.opportunity("2026-03-02", sales_stage=self.fast, opportunity_amount=100, expected_closing=day)
		refresh_stalled()
		filters = {"company": COMPANY, "group_by": "Sales Stage"}
		summary = {row["label"]: row["value"] for row in forecast(filters)[4]}
		self.assertEqual(summary["Pipeline Amount"], 500)
		summary = {row["label"]: row["value"] for row in forecast({**filters, "stalled": "Leave Out"})[4]}
		self.assertEqual(summary["Pipeline Amount"], 100)
		columns, rows, *_rest = forecast({**filters, "stalled": "Show Apart"})
		self.assertIn("stalled_amount", [column["fieldname"] for column in columns])
		self.assertEqual({row["group"]: row.get("stalled_amount", 0) for row in rows}[self.slow], 400)


class TestHealthAndDigest(HealthTestCase):
	def build(self):
		"""On 2026-03-20, for OWNER: one follow-up due today, one overdue, one stalled (followed up
		later), one without a next step for 10 days, one without for 3 days (within grace)."""
		values = {"opportunity_owner": self.owner, "contact_by": self.owner}
		due = self.opportunity("2026-03-01", contact_date="2026-03-20 15:00:00", **values)
		overdue = self.opportunity("2026-03-01", contact_date="2026-03-18 09:00:00", **values)
		stalled = self.opportunity(
			"2026-03-01", sales_stage=self.slow, contact_date="2026-04-01 09:00:00", **values
		)
		bare = self.opportunity("2026-03-10", opportunity_owner=self.owner)
		self.opportunity("2026-03-17", opportunity_owner=self.owner)
		for doc in (due, overdue, bare):
			frappe.db.set_value("Opportunity", doc.name, "sales_stage", self.fast)
		return due, overdue, stalled, bare

	def health(self, **kwargs):
		with self.freeze_time(at("2026-03-20", 8)):
			refresh_stalled()
			return pipeline_health(COMPANY, **kwargs)

	def test_sections(self):
		due, overdue, stalled, bare = self.build()
		self.assertEqual(
			self.health(user=self.owner),
			{
				"due_today": [due.name],
				"overdue": [overdue.name],
				"stalled": [stalled.name],
				"no_next_step": [bare.name],
				"counts": {"due_today": 1, "overdue": 1, "stalled": 1, "no_next_step": 1},
				"more": {"due_today": False, "overdue": False, "stalled": False, "no_next_step": False},
			},
		)

	def test_a_page_of_names_and_how_many_there_are(self):
		for day in ("2026-03-16", "2026-03-17", "2026-03-18"):
			self.opportunity("2026-03-01", contact_date=f"{day} 09:00:00", opportunity_owner=self.owner)
		with patch.object(health, "COUNT_LIMIT", 2):
			page = self.health(user=self.owner, limit=1)
		self.assertEqual(
			(len(page["overdue"]), page["counts"]["overdue"], page["more"]["overdue"]), (1, 2, True)
		)
		page = self.health(user=self.owner, limit=2)
		self.assertEqual(
			(len(page["overdue"]), page["counts"]["overdue"], page["more"]["overdue"]), (2, 3, False)
		)

	def test_a_restricted_user_gets_only_what_the_list_shows(self):
		north, south = make_territory("_OP Health North"), make_territory("_OP Health South")
		mine = self.opportunity("2026-03-01", territory=north, contact_date="2026-03-20 10:00:00")
		self.opportunity("2026-03-01", territory=south, contact_date="2026-03-20 11:00:00")
		user = make_user("_op_health_north@example.com", roles=("Sales User",))
		frappe.get_doc(
			{"doctype": "User Permission", "user": user, "allow": "Territory", "for_value": north}
		).insert(ignore_permissions=True)
		frappe.set_user(user)
		self.assertEqual(self.health()["due_today"], [mine.name])
		frappe.set_user(make_user("_op_health_nobody@example.com", roles=("Accounts User",)))
		self.assertRaises(frappe.PermissionError, self.health)

	def digests(self, user):
		return frappe.get_all(
			"Notification Log", filters={"for_user": user, "subject": ("like", "%without a next step%")}
		)

	def send(self, day="2026-03-20"):
		with self.freeze_time(at(day, 6)):
			daily_health()

	def test_one_digest_a_day_listing_every_section(self):
		due, overdue, stalled, bare = self.build()
		frappe.db.set_single_value("Selling Settings", "pipeline_digest_enabled", 1)
		self.send()
		self.send()
		(log,) = frappe.get_all(
			"Notification Log",
			filters={"for_user": self.owner, "subject": ("like", "%without a next step%")},
			fields=["subject", "email_content"],
		)
		self.assertIn("1 follow-ups due, 1 overdue, 1 stalled, 1 without a next step", log.subject)
		for doc in (due, overdue, stalled, bare):
			self.assertIn(doc.name, log.email_content)
		self.send("2026-03-21")
		self.assertEqual(len(self.digests(self.owner)), 2)

	def test_the_e_mail_goes_through_frappe_s_queue_unless_the_user_turned_e_mails_off(self):
		self.build()
		frappe.db.set_single_value("Selling Settings", "pipeline_digest_enabled", 1)
		# A site without an outgoing account (Frappe caches the account it found, and muted e-mails
		# count as one): notifications only.
		frappe.db.sql("update `tabEmail Account` set enable_outgoing = 0")
		frappe.local.outgoing_email_account = {}
		muted, frappe.flags.mute_emails = frappe.flags.mute_emails, False
		self.addCleanup(setattr, frappe.flags, "mute_emails", muted)
		self.addCleanup(setattr, frappe.local, "outgoing_email_account", {})
		with self.freeze_time(at("2026-03-20", 6)):
			self.assertFalse(send_digests())
		self.assertEqual(len(self.digests(OWNER)), 1)
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": "_OP Digest Outgoing",
				"email_id": "_op_digest@example.com",
				"enable_outgoing": 1,
				"default_outgoing": 1,
				"smtp_server": "localhost",
				"password": "not used",
			}
		).insert(ignore_permissions=True)
		frappe.db.delete("DefaultValue", {"parent": OWNER, "defkey": SENT_ON})
		with self.freeze_time(at("2026-03-20", 7)):
			(email,) = [email for email in send_digests() if email[0] == OWNER]
			send_digest_emails([email])
		self.assertIn("1 follow-ups due", email[1])
		self.assertTrue(frappe.db.exists("Email Queue Recipient", {"recipient": OWNER}))

		frappe.db.delete("DefaultValue", {"parent": OWNER, "defkey": SENT_ON})
		if not frappe.db.exists("Notification Settings", OWNER):
			frappe.get_doc({"doctype": "Notification Settings", "name": OWNER}).insert(
				ignore_permissions=True
			)
		frappe.db.set_value("Notification Settings", OWNER, "enable_email_notifications", 0)
		with self.freeze_time(at("2026-03-20", 8)):
			self.assertFalse([email for email in send_digests() if email[0] == OWNER])
		self.assertEqual(len(self.digests(OWNER)), 3)  # the notification still comes

	def test_nothing_when_off_empty_or_opted_out(self):
		self.build()
		self.send()  # the digest is off until a manager turns it on
		self.assertFalse(self.digests(self.owner))
		frappe.db.set_single_value("Selling Settings", "pipeline_digest_enabled", 1)
		idle = make_user("_op_health_idle@example.com", roles=("Sales User",))
		if not frappe.db.exists("Notification Settings", self.owner):
			frappe.get_doc({"doctype": "Notification Settings", "name": self.owner}).insert(
				ignore_permissions=True
			)
		frappe.db.set_value("Notification Settings", self.owner, "opportunity_digest", 0)
		self.send()
		self.assertFalse(self.digests(self.owner))
		self.assertFalse(self.digests(idle))

	def test_a_restricted_user_s_digest_lists_only_what_the_list_shows(self):
		north, south = make_territory("_OP Health North"), make_territory("_OP Health South")
		user = make_user("_op_health_digest_north@example.com", roles=("Sales User",))
		frappe.get_doc(
			{"doctype": "User Permission", "user": user, "allow": "Territory", "for_value": north}
		).insert(ignore_permissions=True)
		values = {"opportunity_owner": user, "contact_by": user, "contact_date": "2026-03-20 15:00:00"}
		mine = self.opportunity("2026-03-01", territory=north, **values)
		hidden = self.opportunity("2026-03-01", territory=south, **values)
		frappe.db.set_single_value("Selling Settings", "pipeline_digest_enabled", 1)
		self.send()
		(log,) = frappe.get_all(
			"Notification Log",
			filters={"for_user": user, "subject": ("like", "%without a next step%")},
			fields=["subject", "email_content"],
		)
		self.assertIn(mine.name, log.email_content)
		self.assertNotIn(hidden.name, log.email_content)
		self.assertIn("1 follow-ups due", log.subject)

	def test_no_digest_and_no_error_for_a_user_who_may_not_read_opportunities(self):
		outsider = make_user("_op_health_outsider@example.com", roles=("Accounts User",))
		self.opportunity("2026-03-01", contact_by=outsider, contact_date="2026-03-20 15:00:00")
		frappe.db.set_single_value("Selling Settings", "pipeline_digest_enabled", 1)
		errors = frappe.db.count("Error Log")
		self.send()
		self.assertFalse(self.digests(outsider))
		self.assertEqual(frappe.db.count("Error Log"), errors)


class TestUnnamedOpportunities(HealthTestCase):
	"""An opportunity with neither Opportunity Owner nor Next Contact By, the one most easily forgotten,
	reaches its creator and its assignees: in the digest, api.pipeline_health and the workspace's card."""

	def test_it_reaches_its_creator_and_assignees(self):
		creator = make_user("_op_health_creator@example.com", roles=("Sales User",))
		assignee = make_user("_op_health_assignee@example.com", roles=("Sales User",))
		bystander = make_user("_op_health_bystander@example.com", roles=("Sales User",))
		unnamed = self.opportunity("2026-03-01", contact_date="2026-03-18 09:00:00")
		named = self.opportunity(
			"2026-03-01", contact_date="2026-03-18 09:00:00", opportunity_owner=bystander
		)
		for doc in (unnamed, named):
			frappe.db.set_value(
				"Opportunity",
				doc.name,
				{"owner": creator, "_assign": json.dumps([assignee]), "contact_by": None},
				update_modified=False,
			)
		for user in (creator, assignee):
			with self.subTest(user=user):
				self.assertEqual(self.overdue_of(user), [unnamed.name])
				with self.set_user(user), self.freeze_time(at("2026-03-20", 8)):
					self.assertEqual(my_overdue_follow_ups_card()["value"], 1)
		self.assertEqual(self.overdue_of(bystander), [named.name])

		frappe.db.set_single_value("Selling Settings", "pipeline_digest_enabled", 1)
		with self.freeze_time(at("2026-03-20", 6)):
			daily_health()
		for user, shown, hidden in (
			(creator, unnamed, named),
			(assignee, unnamed, named),
			(bystander, named, unnamed),
		):
			with self.subTest(digest=user):
				(content,) = frappe.get_all("Notification Log", {"for_user": user}, pluck="email_content")
				self.assertIn(shown.name, content)
				self.assertNotIn(hidden.name, content)

	def overdue_of(self, user):
		with self.freeze_time(at("2026-03-20", 8)):
			return pipeline_health(COMPANY, user=user)["overdue"]


class TestSnoozeLimit(HealthTestCase):
	def test_a_snooze_beyond_the_longest_is_refused(self):
		frappe.db.set_single_value("Selling Settings", "longest_snooze_days", 30)
		doc = self.opportunity("2026-03-02", sales_stage=self.slow)
		self.change(doc, "2026-03-10", stalled_snoozed_until="2026-04-09")  # 30 days: allowed
		with self.assertRaisesRegex(frappe.ValidationError, "at most 30 days"):
			self.change(doc, "2026-03-10", stalled_snoozed_until="2026-04-10")
		with self.assertRaises(frappe.ValidationError):
			self.change(doc, "2026-03-10", stalled_snoozed_until="2099-01-01")
		self.assertEqual(
			str(frappe.db.get_value("Opportunity", doc.name, "stalled_snoozed_until")), "2026-04-09"
		)

	def test_a_manager_sets_the_longest_and_an_earlier_snooze_runs_out_as_set(self):
		doc = self.opportunity("2026-03-02", sales_stage=self.slow)
		self.change(doc, "2026-03-10", stalled_snoozed_until="2026-04-09")
		frappe.db.set_single_value("Selling Settings", "longest_snooze_days", 0)
		self.change(doc, "2026-03-11", customer_name="Renamed")  # an unrelated change still saves
		with self.assertRaisesRegex(frappe.ValidationError, "at most 0 days"):
			self.change(doc, "2026-03-11", stalled_snoozed_until="2026-03-12")
