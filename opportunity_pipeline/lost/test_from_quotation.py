"""A Quotation declared Lost makes its opportunity Lost, with the same reasons, through ERPNext's path."""

import frappe

from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import (
	make_competitor,
	make_opportunity,
	make_opportunity_with_items,
	make_quotation_lost_reason,
	make_user,
	submitted_quotation,
)
from opportunity_pipeline.tests.factories import opportunity_status as status


class TestLossFromQuotation(IntegrationTestCase):
	def setUp(self):
		self.reason, self.competitor = make_quotation_lost_reason(), make_competitor()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def test_a_lost_quotation_makes_it_lost_with_the_same_reasons_and_competitors(self):
		for opportunity in (make_opportunity_with_items(), make_opportunity()):  # with items: erpnext#46948
			quotation = submitted_quotation(opportunity)
			quotation.declare_enquiry_lost(
				[{"lost_reason": self.reason}], [{"competitor": self.competitor}], "Cheaper elsewhere"
			)
			opportunity.reload()
			self.assertEqual(opportunity.status, "Lost")
			self.assertEqual([row.lost_reason for row in opportunity.lost_reasons], [self.reason])
			self.assertEqual([row.competitor for row in opportunity.competitors], [self.competitor])
			self.assertEqual(opportunity.order_lost_reason, "Cheaper elsewhere")

	def test_editing_a_lost_quotation_never_loses_a_reopened_opportunity_again(self):
		opportunity = make_opportunity_with_items()
		quotation = submitted_quotation(opportunity)
		quotation.declare_enquiry_lost([{"lost_reason": self.reason}], [], "Cheaper elsewhere")
		opportunity.reload()
		opportunity.status = "Open"
		opportunity.save()

		quotation.reload()
		quotation.order_lost_reason = "Cheaper elsewhere, and late"
		quotation.save()
		self.assertEqual(status(opportunity), "Open")
		self.assertEqual(frappe.db.count("Opportunity Lost Reason Detail", {"parent": opportunity.name}), 0)

	def test_a_quotation_user_without_rights_on_opportunity_declares_it_lost(self):
		opportunity = make_opportunity_with_items()
		quotation = submitted_quotation(opportunity)
		maintenance = make_user("op-maintenance@example.com", roles=("Maintenance User",))
		self.assertFalse(frappe.has_permission("Opportunity", "write", opportunity.name, user=maintenance))
		with self.set_user(maintenance):
			frappe.get_doc("Quotation", quotation.name).declare_enquiry_lost(
				[{"lost_reason": self.reason}], [{"competitor": self.competitor}], "Cheaper elsewhere"
			)
		opportunity.reload()
		self.assertEqual(opportunity.status, "Lost")
		self.assertEqual([row.lost_reason for row in opportunity.lost_reasons], [self.reason])
		self.assertEqual([row.competitor for row in opportunity.competitors], [self.competitor])
		self.assertEqual(opportunity.lost_by, maintenance)
		self.assertTrue(opportunity.lost_date)
