import frappe
from frappe.utils import add_days, getdate

from opportunity_pipeline.follow_up.reminder import send_due_reminders
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import in_days, make_opportunity, make_user


def make_outgoing_email_account():
	if not frappe.db.exists("Email Account", "_OP Outgoing"):
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": "_OP Outgoing",
				"email_id": "op-outgoing@example.com",
				"enable_outgoing": 1,
				"default_outgoing": 1,
				"smtp_server": "localhost",
				"no_smtp_authentication": 1,
			}
		).insert(ignore_permissions=True)


class TestFollowUpReminder(IntegrationTestCase):
	def setUp(self):
		self.ann = make_user("op-ann@example.com")
		frappe.db.set_value("Notification Settings", self.ann, "enable_email_event_reminders", 1)
		make_outgoing_email_account()

	def tearDown(self):
		frappe.db.rollback()

	def reminders(self, opportunity):
		return frappe.get_all(
			"Notification Log",
			filters={"document_type": "Opportunity", "document_name": opportunity.name, "for_user": self.ann},
			pluck="subject",
		)

	def emails(self, opportunity):
		return frappe.db.count(
			"Email Queue", {"reference_doctype": "Opportunity", "reference_name": opportunity.name}
		)

	def run_job_on(self, day, hour=8):
		with self.freeze_time(f"{day} {hour:02d}:00:00"):
			send_due_reminders()

	def test_reminded_once_on_the_due_date_and_not_before(self):
		opportunity = make_opportunity(contact_by=self.ann, contact_date=in_days(2, hour=15))
		due_day = getdate(in_days(2))

		self.run_job_on(add_days(due_day, -1))
		self.assertEqual(self.reminders(opportunity), [])

		self.run_job_on(due_day)
		self.assertEqual(len(self.reminders(opportunity)), 1)
		self.assertIn(opportunity.name, self.reminders(opportunity)[0])
		self.assertEqual(self.emails(opportunity), 1)

		self.run_job_on(due_day, hour=9)
		self.run_job_on(add_days(due_day, 1))
		self.assertEqual(len(self.reminders(opportunity)), 1)
		self.assertEqual(self.emails(opportunity), 1)

	def test_moving_the_follow_up_reminds_again_on_the_new_date(self):
		opportunity = make_opportunity(contact_by=self.ann, contact_date=in_days(1))
		self.run_job_on(getdate(in_days(1)))

		opportunity.contact_date = in_days(4)
		opportunity.save()
		self.run_job_on(getdate(in_days(4)))

		self.assertEqual(len(self.reminders(opportunity)), 2)

	def test_no_email_when_the_user_turned_event_reminders_off(self):
		frappe.db.set_value("Notification Settings", self.ann, "enable_email_event_reminders", 0)
		opportunity = make_opportunity(contact_by=self.ann, contact_date=in_days(1))

		self.run_job_on(getdate(in_days(1)))

		self.assertEqual(len(self.reminders(opportunity)), 1)
		self.assertEqual(self.emails(opportunity), 0)

	def test_finished_opportunities_are_not_reminded(self):
		opportunity = make_opportunity(contact_by=self.ann, contact_date=in_days(1))
		opportunity.set_status(status="Closed", update=True)

		self.run_job_on(getdate(in_days(1)))

		self.assertEqual(self.reminders(opportunity), [])
		self.assertIsNone(frappe.db.get_value("Opportunity", opportunity.name, "follow_up_reminder_due"))

	def test_a_form_loaded_before_the_reminder_cannot_bring_the_reminder_back(self):
		opportunity = make_opportunity(contact_by=self.ann, contact_date=in_days(1, hour=15))
		form = frappe.get_doc("Opportunity", opportunity.name)  # still shows the reminder as due
		self.run_job_on(getdate(in_days(1)))

		form.title = "Edited in a form opened before the reminder"
		form.save()
		self.assertIsNone(frappe.db.get_value("Opportunity", opportunity.name, "follow_up_reminder_due"))
		self.run_job_on(getdate(in_days(1)), hour=10)
		self.assertEqual(len(self.reminders(opportunity)), 1)
