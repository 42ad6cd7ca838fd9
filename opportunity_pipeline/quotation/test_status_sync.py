"""The opportunity's status follows its quotations."""

import frappe
from frappe.utils import add_days, nowdate

from erpnext.selling.doctype.quotation.quotation import make_sales_order

from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import make_opportunity_with_items, submitted_quotation
from opportunity_pipeline.tests.factories import opportunity_status as status


class TestStatusSync(IntegrationTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def test_a_submitted_quotation_makes_it_quotation_and_an_order_converted(self):
		opportunity = make_opportunity_with_items()
		quotation = submitted_quotation(opportunity)
		self.assertEqual(status(opportunity), "Quotation")

		order = make_sales_order(quotation.name)
		order.delivery_date = add_days(nowdate(), 7)
		order.insert()
		order.submit()
		self.assertEqual(status(opportunity), "Converted")

	def test_cancelling_reopens_unless_another_quotation_is_active(self):
		opportunity = make_opportunity_with_items()
		first, second = submitted_quotation(opportunity), submitted_quotation(opportunity)

		first.cancel()
		self.assertEqual(status(opportunity), "Quotation")
		second.cancel()
		self.assertEqual(status(opportunity), "Open")
