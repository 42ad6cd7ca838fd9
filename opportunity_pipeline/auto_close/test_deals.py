"""The auto-close of Frappe CRM's deals, on a site with Frappe CRM (skipped where it is not installed)."""

import json
import unittest

import frappe
from frappe.utils import add_days, now_datetime

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.auto_close.deals import close_idle_deals
from opportunity_pipeline.pipeline_history.record import STATE
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import deal_status_of_type

NOTE = "Closed automatically: no response for 10 days."


def set_deal_auto_close(days=10, paused=0, status="Lost", reason="Unresponsive Prospect"):
	for fieldname, value in {
		"close_deals_after_days": days,
		"auto_close_paused_deals": paused,
		"auto_close_deal_status": status,
		"auto_close_deal_lost_reason": reason,
	}.items():
		frappe.db.set_single_value("FCRM Settings", fieldname, value)


def make_stale_deal(status: str, days_idle: int = 20) -> str:
	deal = frappe.get_doc({"doctype": "CRM Deal", "status": deal_status_of_type("Open")}).insert()
	frappe.db.set_value(
		"CRM Deal",
		deal.name,
		{"status": status, "modified": add_days(now_datetime(), -days_idle)},
		update_modified=False,
	)
	return deal.name


def status_of(deal: str) -> str:
	return frappe.db.get_value("CRM Deal", deal, "status")


@unittest.skipUnless(frappe_crm.installed(), "Frappe CRM is not installed on this site")
class TestDealAutoClose(IntegrationTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		self.open = deal_status_of_type("Open")
		self.ongoing = deal_status_of_type("Ongoing")
		self.on_hold = deal_status_of_type("On Hold")
		self.won = deal_status_of_type("Won")
		self.lost = deal_status_of_type("Lost")
		set_deal_auto_close()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def test_idle_open_and_ongoing_deals_close_lost_with_the_reason_and_why(self):
		names = {status: make_stale_deal(status) for status in (self.open, self.ongoing, self.won, self.lost)}
		close_idle_deals(commit=False)
		self.assertEqual(
			{status: status_of(name) for status, name in names.items()},
			{self.open: self.lost, self.ongoing: self.lost, self.won: self.won, self.lost: self.lost},
		)
		closed = frappe.get_doc("CRM Deal", names[self.open])
		self.assertEqual((closed.lost_reason, closed.lost_notes), ("Unresponsive Prospect", NOTE))
		# Dated as a lost deal's save dates it, for the Lost Opportunity Analysis.
		self.assertEqual(closed.lost_by, "Administrator")
		self.assertEqual(closed.lost_date, closed.modified)
		# The pipeline history gets the closing (the Ongoing status was set behind the app's back).
		history = frappe.get_all(
			STATE,
			{"document_type": "CRM Deal", "opportunity": names[self.ongoing], "deleted": 0},
			pluck="status",
			order_by="valid_from asc, name asc",
		)
		self.assertEqual(history, [self.open, self.lost])
		# Frappe CRM's own save accepts the closed deal as it is (a lost deal needs its reason).
		closed.save()

	def test_a_deal_on_hold_stays_unless_the_manager_says(self):
		held = make_stale_deal(self.on_hold)
		close_idle_deals(commit=False)
		self.assertEqual(status_of(held), self.on_hold)
		set_deal_auto_close(paused=1)
		close_idle_deals(commit=False)
		self.assertEqual(status_of(held), self.lost)

	def test_a_recent_change_an_email_or_a_logged_call_is_a_response(self):
		recent = make_stale_deal(self.open, days_idle=5)
		emailed, called, long_ago = (make_stale_deal(self.open, days_idle=40) for _ in range(3))
		frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "Email",
				"sent_or_received": "Received",
				"subject": "Re: our offer",
				"reference_doctype": "CRM Deal",
				"reference_name": emailed,
				"communication_date": add_days(now_datetime(), -2),
			}
		).insert(ignore_permissions=True)
		call = frappe.get_doc(
			{
				"doctype": "CRM Call Log",
				"id": frappe.generate_hash(length=8),
				"type": "Outgoing",
				"status": "Completed",
				"telephony_medium": "Manual",
				"from": "+33 1 00 00 00 01",
				"to": "+33 1 00 00 00 02",
				"reference_doctype": "CRM Deal",
				"reference_docname": called,
			}
		).insert(ignore_permissions=True)
		old_call = frappe.get_doc(
			{**call.as_dict(), "name": None, "id": "old", "reference_docname": long_ago}
		)
		old_call.insert(ignore_permissions=True)
		frappe.db.set_value("CRM Call Log", old_call.name, "creation", add_days(now_datetime(), -30))
		for deal in (emailed, called, long_ago):  # inserting them touched the deal
			frappe.db.set_value(
				"CRM Deal", deal, "modified", add_days(now_datetime(), -40), update_modified=False
			)

		close_idle_deals(commit=False)
		self.assertEqual(
			[status_of(deal) for deal in (recent, emailed, called, long_ago)],
			[self.open, self.open, self.open, self.lost],
		)

	def test_the_status_change_log_and_the_activity_feed_record_the_close(self):
		deal = frappe.get_doc({"doctype": "CRM Deal", "status": self.open}).insert()
		frappe.db.set_value(
			"CRM Deal", deal.name, "modified", add_days(now_datetime(), -20), update_modified=False
		)
		close_idle_deals(commit=False)

		log = frappe.get_all(
			"CRM Status Change Log",
			filters={"parent": deal.name, "parenttype": "CRM Deal"},
			fields=["idx", "from", "to", "to_type", "duration", "from_type"],
			order_by="idx",
		)
		self.assertEqual([(row["from"], row["to"]) for row in log], [(self.open, self.lost), (self.lost, "")])
		self.assertEqual((log[0].to_type, log[1].from_type, log[1].idx), ("Lost", "Lost", 2))
		self.assertGreaterEqual(log[0].duration, 0)

		version = frappe.get_all("Version", {"ref_doctype": "CRM Deal", "docname": deal.name}, pluck="data")
		changes = [json.loads(data)["changed"][0] for data in version]
		self.assertIn(["status", self.open, self.lost], changes)

	def test_a_deal_without_an_open_stay_in_its_log_still_closes(self):
		"""The deal and its open log row are closed in one UPDATE: a deal whose log has none (made by a
		script, or its rows deleted) must close all the same."""
		deal = make_stale_deal(self.open, days_idle=40)
		frappe.db.delete("CRM Status Change Log", {"parent": deal, "parenttype": "CRM Deal"})
		close_idle_deals(commit=False)
		self.assertEqual(status_of(deal), self.lost)
		log = frappe.get_all(
			"CRM Status Change Log", {"parent": deal, "parenttype": "CRM Deal"}, ["from", "to", "idx"]
		)
		self.assertEqual([(row["from"], row["to"], row.idx) for row in log], [(self.lost, "", 1)])

	def test_zero_days_closes_nothing(self):
		deal = make_stale_deal(self.open, days_idle=400)
		set_deal_auto_close(days=0)
		self.assertEqual(close_idle_deals(commit=False), 0)
		self.assertEqual(status_of(deal), self.open)

	def test_settings_need_a_lost_status_and_a_reason_and_no_negative_days(self):
		settings = frappe.get_doc("FCRM Settings")
		for values, message in (
			({"close_deals_after_days": -1}, "cannot be negative"),
			({"close_deals_after_days": 10, "auto_close_deal_status": self.won}, "must be of type Lost"),
			({"close_deals_after_days": 10, "auto_close_deal_status": ""}, "Choose the status"),
			({"close_deals_after_days": 10, "auto_close_deal_lost_reason": ""}, "Choose the lost reason"),
		):
			with self.subTest(values=values):
				settings.reload()
				settings.update(values)
				with self.assertRaisesRegex(frappe.ValidationError, message):
					settings.save()

	def test_install_put_the_settings_on_frappe_crm_with_a_closed_deals_defaults(self):
		meta = frappe.get_meta("FCRM Settings")
		self.assertTrue(meta.get_field("close_deals_after_days"))
		frappe.db.delete("Singles", {"doctype": "FCRM Settings", "field": "auto_close_deal_status"})
		frappe_crm.set_up()
		self.assertEqual(frappe.db.get_single_value("FCRM Settings", "auto_close_deal_status"), "Lost")

	def test_a_closed_deal_ends_its_follow_up_as_a_lost_deals_save_does(self):
		from opportunity_pipeline.tests.factories import in_days, make_user

		ann = make_user("op-deal-close-ann@example.com")
		deal = frappe.get_doc(
			{"doctype": "CRM Deal", "status": self.open, "contact_by": ann, "contact_date": in_days(3)}
		).insert()
		frappe.db.set_value(
			"CRM Deal", deal.name, "modified", add_days(now_datetime(), -20), update_modified=False
		)
		close_idle_deals(commit=False)
		self.assertEqual(frappe.db.get_value("Event", deal.follow_up_event, "status"), "Closed")
		self.assertEqual(frappe.db.get_value("CRM Task", deal.follow_up_task, "status"), "Canceled")
		self.assertIsNone(frappe.db.get_value("CRM Deal", deal.name, "follow_up_reminder_due"))

	def test_the_preview_lists_what_would_close_without_closing_it(self):
		from opportunity_pipeline.api import preview_deal_auto_close

		idle, recent = make_stale_deal(self.ongoing, days_idle=8), make_stale_deal(self.open, days_idle=2)
		set_deal_auto_close(days=0)
		self.assertEqual(preview_deal_auto_close()["count"], 0)  # off, as saved
		listed = {row.name for row in preview_deal_auto_close(days=5)["deals"]}
		self.assertIn(idle, listed)
		self.assertNotIn(recent, listed)
		self.assertEqual(status_of(idle), self.ongoing)
		# A check box is 0 or 1: anything else is refused, not read as off.
		for wrong in ("yes", 2, "1; drop"):
			with self.subTest(close_paused=wrong):
				self.assertRaises(frappe.ValidationError, preview_deal_auto_close, days=5, close_paused=wrong)

	def test_the_preview_is_for_system_managers_and_counts_only_readable_deals(self):
		from opportunity_pipeline.api import preview_deal_auto_close
		from opportunity_pipeline.tests.factories import make_user

		south = frappe.get_doc({"doctype": "CRM Territory", "territory_name": "_OP Preview South"}).insert()
		north = frappe.get_doc({"doctype": "CRM Territory", "territory_name": "_OP Preview North"}).insert()
		mine, other = make_stale_deal(self.open), make_stale_deal(self.open)
		frappe.db.set_value("CRM Deal", mine, "territory", south.name, update_modified=False)
		frappe.db.set_value("CRM Deal", other, "territory", north.name, update_modified=False)
		manager = make_user("op-deal-preview-manager@example.com", roles=("System Manager",))
		frappe.get_doc(
			{"doctype": "User Permission", "user": manager, "allow": "CRM Territory", "for_value": south.name}
		).insert(ignore_permissions=True)
		seller = make_user("op-deal-preview-seller@example.com", roles=("Sales User",))
		with self.set_user(manager):
			listed = {row.name for row in preview_deal_auto_close()["deals"]}
			self.assertRaises(frappe.ValidationError, preview_deal_auto_close, limit=-1)
		self.assertIn(mine, listed)
		self.assertNotIn(other, listed)
		with self.set_user(seller):
			self.assertRaises(frappe.PermissionError, preview_deal_auto_close)
