"""The follow-up's user moves or closes its Event in the calendar: the opportunity follows."""

import frappe
from frappe.utils import get_datetime

from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import in_days, make_opportunity, make_user


class TestCalendarEdits(IntegrationTestCase):
	def setUp(self):
		self.ann = make_user("op-ann@example.com")

	def tearDown(self):
		frappe.db.rollback()

	def test_moving_the_event_in_the_calendar_moves_the_follow_up(self):
		from frappe.desk.calendar import update_event

		opportunity = make_opportunity(contact_by=self.ann, contact_date=in_days(2))
		event = opportunity.follow_up_event
		moved_to = in_days(6, hour=15)
		update_event(
			frappe.as_json({"doctype": "Event", "name": event, "starts_on": str(moved_to), "ends_on": None}),
			frappe.as_json({"start": "starts_on", "end": "ends_on"}),
		)
		opportunity.reload()
		self.assertEqual(get_datetime(opportunity.contact_date), get_datetime(moved_to))
		self.assertEqual(
			get_datetime(opportunity.follow_up_reminder_due).date(), get_datetime(moved_to).date()
		)
		self.assertEqual(frappe.db.count("Event Participants", {"reference_docname": opportunity.name}), 1)

	def test_an_event_closed_in_the_calendar_stays_closed_and_sends_no_reminder(self):
		opportunity = make_opportunity(contact_by=self.ann, contact_date=in_days(2))
		event = frappe.get_doc("Event", opportunity.follow_up_event)
		event.status = "Closed"
		event.save(ignore_permissions=True)
		self.assertIsNone(frappe.db.get_value("Opportunity", opportunity.name, "follow_up_reminder_due"))

		opportunity.reload()
		opportunity.title = "An unrelated edit"
		opportunity.save()
		self.assertEqual(frappe.db.get_value("Event", event.name, "status"), "Closed")

		opportunity.contact_date = in_days(8)
		opportunity.save()
		self.assertEqual(frappe.db.get_value("Event", event.name, "status"), "Open")
