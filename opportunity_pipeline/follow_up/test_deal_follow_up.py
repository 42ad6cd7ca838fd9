"""Follow-ups on Frappe CRM's deals: the calendar Event as on Opportunity, and a CRM Task (skipped where
Frappe CRM is not installed)."""

import unittest

import frappe
from frappe.utils import add_to_date, get_datetime, now_datetime

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.follow_up.reminder import send_due_reminders
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import deal_status_of_type, in_days, make_user


def make_deal(**values):
	return frappe.get_doc({"doctype": "CRM Deal", "status": deal_status_of_type("Open"), **values}).insert()


@unittest.skipUnless(frappe_crm.installed(), "Frappe CRM is not installed on this site")
class TestDealFollowUp(IntegrationTestCase):
	def setUp(self):
		self.ann = make_user("op-deal-ann@example.com")
		self.bob = make_user("op-deal-bob@example.com")

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def events_of(self, deal):
		return frappe.get_all(
			"Event Participants",
			filters={"reference_doctype": "CRM Deal", "reference_docname": deal.name},
			pluck="parent",
		)

	def tasks_of(self, deal):
		return frappe.get_all(
			"CRM Task",
			filters={"reference_doctype": "CRM Deal", "reference_docname": deal.name},
			fields=["name", "title", "assigned_to", "due_date", "status"],
		)

	def test_a_follow_up_puts_one_event_in_the_users_calendar_and_one_task_in_their_tasks(self):
		deal = make_deal(contact_by=self.ann, contact_date=in_days(2))

		self.assertEqual(self.events_of(deal), [deal.follow_up_event])
		event = frappe.get_doc("Event", deal.follow_up_event)
		self.assertEqual((event.owner, event.status), (self.ann, "Open"))
		self.assertEqual(get_datetime(event.starts_on), get_datetime(in_days(2)))
		[task] = self.tasks_of(deal)
		self.assertEqual(str(task.name), str(deal.follow_up_task))
		self.assertEqual((task.assigned_to, task.status), (self.ann, "Todo"))
		self.assertEqual(get_datetime(task.due_date), get_datetime(in_days(2)))
		# A deal with no organization or lead yet is named by itself alone.
		self.assertEqual((task.title, event.subject), (f"Follow up {deal.name}",) * 2)
		# Frappe CRM assigned the task to its user, which is what notifies them.
		self.assertTrue(
			frappe.db.exists(
				"ToDo", {"reference_type": "CRM Task", "reference_name": task.name, "allocated_to": self.ann}
			)
		)

	def test_moving_and_handing_over_move_the_same_event_and_task(self):
		deal = make_deal(contact_by=self.ann, contact_date=in_days(2))
		event, task = deal.follow_up_event, deal.follow_up_task

		deal.contact_date, deal.contact_by = in_days(5), self.bob
		deal.save()

		self.assertEqual(self.events_of(deal), [event])
		self.assertEqual(frappe.db.get_value("Event", event, "owner"), self.bob)
		[moved] = self.tasks_of(deal)
		self.assertEqual((str(moved.name), moved.assigned_to), (str(task), self.bob))
		self.assertEqual(get_datetime(moved.due_date), get_datetime(in_days(5)))

	def test_moving_the_date_moves_the_task_and_keeps_its_assignment(self):
		deal = make_deal(contact_by=self.ann, contact_date=in_days(2))
		deal.contact_date = in_days(3)
		deal.save()

		[moved] = self.tasks_of(deal)
		self.assertEqual((str(moved.name), moved.assigned_to), (str(deal.follow_up_task), self.ann))
		self.assertEqual(get_datetime(moved.due_date), get_datetime(in_days(3)))
		self.assertEqual(self.assignees_of(moved), [self.ann])

		deal.contact_by = self.bob
		deal.save()
		self.assertEqual(self.assignees_of(self.tasks_of(deal)[0]), [self.bob])

	def assignees_of(self, task):
		return frappe.get_all(
			"ToDo",
			{"reference_type": "CRM Task", "reference_name": str(task.name), "status": "Open"},
			pluck="allocated_to",
		)

	def test_clearing_the_date_removes_both(self):
		deal = make_deal(contact_by=self.ann, contact_date=in_days(2))
		deal.contact_date = None
		deal.save()
		self.assertEqual((self.events_of(deal), self.tasks_of(deal)), ([], []))
		self.assertEqual((deal.follow_up_event, deal.follow_up_task), (None, None))

	def test_a_lost_deal_closes_its_event_and_cancels_its_task(self):
		deal = make_deal(contact_by=self.ann, contact_date=in_days(2))
		deal.status, deal.lost_reason = deal_status_of_type("Lost"), "Unresponsive Prospect"
		deal.save()
		self.assertEqual(frappe.db.get_value("Event", deal.follow_up_event, "status"), "Closed")
		self.assertEqual(self.tasks_of(deal)[0].status, "Canceled")

	def test_a_task_marked_done_stays_done_until_the_follow_up_moves(self):
		deal = make_deal(contact_by=self.ann, contact_date=in_days(2))
		frappe.db.set_value("CRM Task", deal.follow_up_task, "status", "Done")
		deal.next_step = "Send the contract"
		deal.save()
		self.assertEqual(self.tasks_of(deal)[0].status, "Done")
		deal.contact_date = in_days(4)
		deal.save()
		self.assertEqual(self.tasks_of(deal)[0].status, "Todo")

	def test_a_client_cannot_point_a_deal_at_another_task_or_event(self):
		deal = make_deal(contact_by=self.ann, contact_date=in_days(2))
		other = make_deal(contact_by=self.bob, contact_date=in_days(3))
		deal.follow_up_task, deal.follow_up_event = other.follow_up_task, other.follow_up_event
		deal.contact_date = None
		deal.save()
		# Clearing this deal's follow-up removed its own, and left the other deal's alone.
		self.assertEqual(len(self.tasks_of(other)), 1)
		self.assertEqual(self.events_of(other), [other.follow_up_event])

	def test_a_past_date_is_refused(self):
		with self.assertRaises(frappe.ValidationError):
			make_deal(contact_by=self.ann, contact_date=add_to_date(now_datetime(), hours=-2))

	def test_deleting_the_deal_deletes_its_event_and_task(self):
		deal = make_deal(contact_by=self.ann, contact_date=in_days(2))
		event, task = deal.follow_up_event, deal.follow_up_task
		frappe.delete_doc("CRM Deal", deal.name)
		self.assertFalse(frappe.db.exists("Event", event))
		self.assertFalse(frappe.db.exists("CRM Task", task))

	def test_the_reminder_job_notifies_the_user_on_the_day(self):
		deal = make_deal(contact_by=self.ann, contact_date=in_days(2))
		frappe.db.set_value(
			"CRM Deal", deal.name, "follow_up_reminder_due", now_datetime(), update_modified=False
		)
		send_due_reminders()
		notes = frappe.get_all(
			"Notification Log",
			filters={"document_type": "CRM Deal", "document_name": deal.name, "for_user": self.ann},
			pluck="subject",
		)
		self.assertEqual(len(notes), 1)
		self.assertIn(deal.name, notes[0])
		self.assertIsNone(frappe.db.get_value("CRM Deal", deal.name, "follow_up_reminder_due"))
