import frappe
from frappe.utils import get_datetime

from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import in_days, make_opportunity, make_private_event, make_user


class TestFollowUpEvent(IntegrationTestCase):
	def setUp(self):
		self.ann = make_user("op-ann@example.com")
		self.bob = make_user("op-bob@example.com")

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def events_of(self, opportunity):
		return frappe.get_all(
			"Event Participants",
			filters={"reference_doctype": "Opportunity", "reference_docname": opportunity.name},
			pluck="parent",
		)

	def visible_to(self, user, event):
		with self.set_user(user):
			return event in frappe.get_list("Event", pluck="name")

	def test_both_fields_put_one_open_event_in_that_users_calendar(self):
		opportunity = make_opportunity(contact_by=self.ann, contact_date=in_days(2))

		self.assertEqual(self.events_of(opportunity), [opportunity.follow_up_event])
		event = frappe.get_doc("Event", opportunity.follow_up_event)
		self.assertEqual(event.owner, self.ann)
		self.assertEqual(event.status, "Open")
		self.assertEqual(get_datetime(event.starts_on), get_datetime(in_days(2)))
		self.assertIn(opportunity.name, event.subject)
		self.assertIn(opportunity.customer_name, event.subject)
		self.assertTrue(self.visible_to(self.ann, event.name))
		self.assertFalse(self.visible_to(self.bob, event.name))

	def test_one_field_alone_makes_no_event(self):
		self.assertFalse(make_opportunity(contact_by=self.ann).follow_up_event)
		self.assertFalse(make_opportunity(contact_date=in_days(1)).follow_up_event)

	def test_moving_the_date_moves_the_same_event(self):
		opportunity = make_opportunity(contact_by=self.ann, contact_date=in_days(2))
		event = opportunity.follow_up_event

		opportunity.contact_date = in_days(5)
		opportunity.save()

		self.assertEqual(self.events_of(opportunity), [event])
		self.assertEqual(
			get_datetime(frappe.db.get_value("Event", event, "starts_on")), get_datetime(in_days(5))
		)

	def test_a_new_user_takes_the_same_event_over(self):
		opportunity = make_opportunity(contact_by=self.ann, contact_date=in_days(2))
		event = opportunity.follow_up_event

		opportunity.contact_by = self.bob
		opportunity.save()

		self.assertEqual(self.events_of(opportunity), [event])
		self.assertEqual(frappe.db.get_value("Event", event, "owner"), self.bob)
		self.assertTrue(self.visible_to(self.bob, event))
		self.assertFalse(self.visible_to(self.ann, event))

	def test_clearing_either_field_removes_the_event(self):
		for field in ("contact_by", "contact_date"):
			opportunity = make_opportunity(contact_by=self.ann, contact_date=in_days(2))
			event = opportunity.follow_up_event

			opportunity.set(field, None)
			opportunity.save()

			self.assertFalse(frappe.db.exists("Event", event), field)
			self.assertIsNone(frappe.db.get_value("Opportunity", opportunity.name, "follow_up_event"))

	def test_setting_the_fields_again_after_clearing_makes_one_new_event(self):
		opportunity = make_opportunity(contact_by=self.ann, contact_date=in_days(2))
		opportunity.contact_date = None
		opportunity.save()
		opportunity.contact_date = in_days(3)
		opportunity.save()
		self.assertEqual(self.events_of(opportunity), [opportunity.follow_up_event])

	def test_closed_and_converted_opportunities_close_their_event(self):
		for status in ("Closed", "Converted"):
			opportunity = make_opportunity(contact_by=self.ann, contact_date=in_days(2))
			# ERPNext's Quotation sets these statuses with db_set, not save.
			opportunity.set_status(status=status, update=True)
			self.assertEqual(frappe.db.get_value("Event", opportunity.follow_up_event, "status"), "Closed")

	def test_a_lost_opportunity_closes_its_event_and_reopening_reopens_it(self):
		opportunity = make_opportunity(contact_by=self.ann, contact_date=in_days(2))
		reason = frappe.get_doc({"doctype": "Opportunity Lost Reason", "lost_reason": "_OP Too expensive"})
		reason.insert(ignore_if_duplicate=True)

		opportunity.declare_enquiry_lost([{"lost_reason": reason.name}], [])
		self.assertEqual(frappe.db.get_value("Event", opportunity.follow_up_event, "status"), "Closed")

		opportunity.reload()
		opportunity.status = "Open"
		opportunity.save()
		self.assertEqual(frappe.db.get_value("Event", opportunity.follow_up_event, "status"), "Open")
		self.assertEqual(len(self.events_of(opportunity)), 1)

	def test_deleting_the_opportunity_deletes_its_event(self):
		opportunity = make_opportunity(contact_by=self.ann, contact_date=in_days(2))
		event = opportunity.follow_up_event

		frappe.delete_doc("Opportunity", opportunity.name)

		self.assertFalse(frappe.db.exists("Event", event))

	def test_a_past_date_is_refused_and_nothing_is_saved(self):
		with self.assertRaises(frappe.ValidationError):
			make_opportunity(contact_by=self.ann, contact_date=in_days(-1))
		self.assertFalse(frappe.db.exists("Opportunity", {"contact_date": in_days(-1)}))

		opportunity = make_opportunity(contact_by=self.ann, contact_date=in_days(2))
		opportunity.contact_date = in_days(-1)
		self.assertRaises(frappe.ValidationError, opportunity.save)
		self.assertEqual(
			get_datetime(frappe.db.get_value("Event", opportunity.follow_up_event, "starts_on")),
			get_datetime(in_days(2)),
		)

	def test_a_disabled_or_unknown_user_is_refused(self):
		disabled = make_user("op-disabled@example.com", enabled=0)
		for user in (disabled, "op-nobody@example.com"):
			with self.assertRaises(frappe.ValidationError):
				make_opportunity(contact_by=user, contact_date=in_days(2))
		self.assertEqual(frappe.db.count("Event", {"owner": disabled}), 0)

	def test_a_date_that_has_simply_passed_never_blocks_an_unrelated_save(self):
		opportunity = make_opportunity(contact_by=self.ann, contact_date=in_days(2))
		frappe.db.set_value("Opportunity", opportunity.name, "contact_date", in_days(-3))
		opportunity.reload()

		opportunity.title = "Renamed"
		opportunity.save()

		self.assertEqual(frappe.db.get_value("Opportunity", opportunity.name, "title"), "Renamed")


class TestFollowUpTrust(IntegrationTestCase):
	"""The Event the app writes with elevated rights is only ever the one it made for the opportunity."""

	def setUp(self):
		self.ann = make_user("op-ann@example.com")
		self.bob = make_user("op-bob@example.com")
		self.seller = make_user("op-trust-seller@example.com", roles=("Sales User",))

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def test_a_forged_follow_up_event_never_deletes_or_takes_over_another_users_event(self):
		private = make_private_event(self.bob)
		for contact_by in (None, self.seller):
			opportunity = make_opportunity(contact_date=in_days(2))
			with self.set_user(self.seller):
				# As the form, frappe.client or REST would send it: the read-only field set by hand.
				doc = frappe.get_doc("Opportunity", opportunity.name)
				doc.follow_up_event = private
				doc.contact_by = contact_by
				doc.save()
			with self.subTest(contact_by=contact_by):
				event = frappe.db.get_value("Event", private, ["owner", "subject"], as_dict=True)
				self.assertEqual((event.owner, event.subject), (self.bob, "Doctor's appointment"))
				self.assertNotEqual(
					frappe.db.get_value("Opportunity", opportunity.name, "follow_up_event"), private
				)

	def test_only_the_timeline_entry_of_the_follow_up_moves_with_it(self):
		opportunity = make_opportunity(contact_by=self.ann, contact_date=in_days(2))
		email = frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "Email",
				"subject": "Agenda for the follow-up call",
				"content": "Let's talk prices.",
				"reference_doctype": "Event",
				"reference_name": opportunity.follow_up_event,
			}
		).insert(ignore_permissions=True)
		before = frappe.db.get_value(
			"Communication", email.name, ["subject", "content", "sender"], as_dict=True
		)

		opportunity.contact_date = in_days(5)
		opportunity.contact_by = self.bob
		opportunity.save()

		after = frappe.db.get_value(
			"Communication", email.name, ["subject", "content", "sender"], as_dict=True
		)
		self.assertEqual(after, before)
