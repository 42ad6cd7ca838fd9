import frappe

from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import (
	make_customer,
	make_lead,
	make_opportunity,
	make_private_event,
	make_user,
)


class TestConvertedBy(IntegrationTestCase):
	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def test_the_user_inserting_an_opportunity_from_a_lead_converted_it(self):
		seller = make_user("op-seller@example.com", roles=("Sales User", "Sales Manager"))
		lead = make_lead()
		with self.set_user(seller):
			opportunity = make_opportunity(opportunity_from="Lead", party_name=lead)
		self.assertEqual(opportunity.converted_by, seller)

	def test_erpnext_lead_create_opportunity_fills_converted_by(self):
		from erpnext.crm.doctype.lead.lead import make_opportunity as make_from_lead

		opportunity = make_from_lead(make_lead())
		opportunity.insert()
		self.assertEqual(opportunity.converted_by, "Administrator")

	def test_a_given_converted_by_is_kept_and_stays_editable(self):
		other = make_user("op-other@example.com")
		opportunity = make_opportunity(opportunity_from="Lead", party_name=make_lead(), converted_by=other)
		self.assertEqual(opportunity.converted_by, other)

		opportunity.converted_by = "Administrator"
		opportunity.save()
		self.assertEqual(
			frappe.db.get_value("Opportunity", opportunity.name, "converted_by"), "Administrator"
		)

	def test_customer_opportunities_get_no_converted_by(self):
		self.assertFalse(make_opportunity().converted_by)

	def test_converted_by_is_a_standard_filter(self):
		self.assertTrue(frappe.get_meta("Opportunity").get_field("converted_by").in_standard_filter)


class TestHistory(IntegrationTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def test_status_and_sales_stage_changes_are_versioned(self):
		opportunity = make_opportunity()
		stage = frappe.get_all(
			"Sales Stage", filters={"name": ("!=", opportunity.sales_stage)}, pluck="name", limit=1
		) or [frappe.get_doc({"doctype": "Sales Stage", "stage_name": "_OP Stage"}).insert().name]
		opportunity.sales_stage = stage[0]
		opportunity.status = "Replied"
		opportunity.save(ignore_version=False)  # tests skip versions unless asked

		versions = frappe.get_all(
			"Version", filters={"ref_doctype": "Opportunity", "docname": opportunity.name}, pluck="data"
		)
		changed = {change[0] for data in versions for change in frappe.parse_json(data).get("changed", [])}
		self.assertGreaterEqual(changed, {"status", "sales_stage"})


class TestDerivedFields(IntegrationTestCase):
	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def test_every_derived_field_keeps_its_stored_value_whatever_a_client_sends(self):
		from frappe.client import insert, set_value

		from opportunity_pipeline.derived_fields import DERIVED_FIELDS

		forged = {
			"follow_up_event": make_private_event(make_user("op-bob@example.com")),
			"follow_up_reminder_due": "2001-01-01 00:00:00",
			"lost_date": "2001-01-01 00:00:00",
			"lost_by": "Administrator",
			"converted_on": "2001-01-01 00:00:00",
			"probability_set_by_hand": 1,
			"forecast_category_set_by_hand": 1,
			"is_stalled": 1,
		}
		self.assertEqual(set(forged), set(DERIVED_FIELDS))
		with self.set_user(make_user("op-derived-seller@example.com", roles=("Sales User",))):
			inserted = insert(
				{
					"doctype": "Opportunity",
					"opportunity_from": "Customer",
					"party_name": make_customer(),
					**forged,
				}
			)
			stored = frappe.db.get_value("Opportunity", inserted["name"], list(forged), as_dict=True)
			self.assertEqual({field: value for field, value in stored.items() if value}, {})
			for field, value in forged.items():
				set_value("Opportunity", inserted["name"], field, value)
			self.assertEqual(
				frappe.db.get_value("Opportunity", inserted["name"], list(forged), as_dict=True), stored
			)
