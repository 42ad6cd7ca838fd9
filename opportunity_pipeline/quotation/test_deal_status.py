"""Frappe CRM's deals moved forward by their ERPNext quotations and orders (skipped where Frappe CRM is not
installed)."""

import unittest

import frappe
from frappe.utils import add_days, nowdate

from erpnext.selling.doctype.quotation.quotation import make_sales_order

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import (
	deal_status_of_type,
	make_crm_territory,
	make_customer,
	make_deal_status,
	make_item,
	make_user,
)


@unittest.skipUnless(frappe_crm.installed(), "Frappe CRM is not installed on this site")
class TestDealStatusFromQuotations(IntegrationTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		# What enabling Frappe CRM's ERPNext integration does: the Customer and Quotation fields that
		# carry the deal (ERPNext's own; schema changes, so once, before any test's data).
		from erpnext.crm.frappe_crm_api import create_custom_fields_for_frappe_crm

		frappe.set_user("Administrator")
		create_custom_fields_for_frappe_crm()

	def setUp(self):
		frappe.set_user("Administrator")
		self.first = make_deal_status("_OP Qualify", "Open", 201)
		self.quoted = make_deal_status("_OP Quoted", "Ongoing", 203)
		self.later = make_deal_status("_OP Negotiating", "Ongoing", 204)
		self.won = make_deal_status("_OP Signed", "Won", 205)
		self.lost = deal_status_of_type("Lost")
		self.settings(quoted=self.quoted, ordered=self.won)
		self.company = frappe.defaults.get_global_default("company")

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def settings(self, quoted=None, ordered=None):
		frappe.db.set_single_value("FCRM Settings", "quoted_deal_status", quoted)
		frappe.db.set_single_value("FCRM Settings", "ordered_deal_status", ordered)

	def deal(self, status):
		deal = frappe.get_doc({"doctype": "CRM Deal", "status": self.first}).insert()
		frappe.db.set_value("CRM Deal", deal.name, "status", status, update_modified=False)
		return deal.name

	def quotation(self, deal, submit=True):
		"""A quotation made out to the deal, as Frappe CRM's ERPNext integration makes it."""
		quotation = frappe.get_doc(
			{
				"doctype": "Quotation",
				"quotation_to": "CRM Deal",
				"party_name": deal,
				"customer_name": "_OP Deal customer",
				"company": self.company,
				"transaction_date": nowdate(),
				"items": [{"item_code": make_item(), "qty": 1, "rate": 100, "uom": "Nos"}],
			}
		).insert()
		if submit:
			quotation.submit()
		return quotation

	def status_of(self, deal):
		return frappe.db.get_value("CRM Deal", deal, "status")

	def test_a_submitted_quotation_moves_the_deal_forward_as_frappe_crm_saves_it(self):
		deal = self.deal(self.first)
		self.quotation(deal)
		self.assertEqual(self.status_of(deal), self.quoted)
		log = frappe.get_all(
			"CRM Status Change Log", {"parent": deal, "parenttype": "CRM Deal"}, pluck="to", order_by="idx"
		)
		self.assertIn(self.quoted, log)  # Frappe CRM's own save wrote its status change log

	def test_never_backwards_never_a_finished_deal_and_not_without_the_setting(self):
		ahead, lost, unset = self.deal(self.later), self.deal(self.lost), self.deal(self.first)
		self.quotation(ahead)
		frappe.db.set_value("CRM Deal", lost, "lost_reason", "Unresponsive Prospect", update_modified=False)
		self.quotation(lost)
		self.settings()
		self.quotation(unset)
		self.assertEqual(
			[self.status_of(deal) for deal in (ahead, lost, unset)], [self.later, self.lost, self.first]
		)

	def test_a_quotation_naming_a_deal_its_submitter_may_not_read_moves_nothing(self):
		"""A seller whom a User Permission keeps to one CRM Territory (Frappe's own rule, whatever Frappe
		CRM's release adds) quotes a deal of another territory: it does not move."""
		theirs, others = self.deal(self.first), self.deal(self.first)
		north, south = make_crm_territory("_OP Quoting North"), make_crm_territory("_OP Quoting South")
		frappe.db.set_value("CRM Deal", theirs, "territory", north, update_modified=False)
		frappe.db.set_value("CRM Deal", others, "territory", south, update_modified=False)
		seller = make_user("op-quoting-seller@example.com", roles=("Sales User",))
		frappe.get_doc(
			{"doctype": "User Permission", "user": seller, "allow": "CRM Territory", "for_value": north}
		).insert(ignore_permissions=True)
		with self.set_user(seller):
			self.assertEqual(
				frappe.get_list("CRM Deal", {"name": ("in", [theirs, others])}, pluck="name"), [theirs]
			)
			self.quotation(theirs)
			self.quotation(others)
		self.assertEqual((self.status_of(theirs), self.status_of(others)), (self.quoted, self.first))

	def test_a_draft_quotation_moves_nothing(self):
		deal = self.deal(self.first)
		self.quotation(deal, submit=False)
		self.assertEqual(self.status_of(deal), self.first)

	def test_an_order_made_from_the_quotation_wins_the_deal(self):
		deal = self.deal(self.first)
		quotation = self.quotation(deal)
		# ERPNext makes the order's customer from the one Frappe CRM created for the deal.
		customer = frappe.get_doc("Customer", make_customer("_OP Deal customer"))
		customer.db_set("crm_deal", deal)
		order = make_sales_order(quotation.name)
		order.delivery_date = add_days(nowdate(), 7)
		order.insert()
		order.submit()
		self.assertEqual(self.status_of(deal), self.won)

	def test_settings_take_an_open_status_for_quoted_and_a_won_one_for_ordered(self):
		settings = frappe.get_doc("FCRM Settings")
		for values in ({"quoted_deal_status": self.won}, {"ordered_deal_status": self.quoted}):
			with self.subTest(values=values):
				settings.reload()
				settings.update(values)
				with self.assertRaisesRegex(frappe.ValidationError, "choose a status of type"):
					settings.save()

	def test_a_cancelled_quotation_moves_its_deal_back_unless_another_quotes_it(self):
		deal = frappe.get_doc({"doctype": "CRM Deal", "status": self.first}).insert().name
		quotation = self.quotation(deal)
		self.assertEqual(self.status_of(deal), self.quoted)
		quotation.cancel()
		self.assertEqual(self.status_of(deal), self.first, "back to the status it was quoted from")

		first, second = self.quotation(deal), self.quotation(deal)
		first.cancel()
		self.assertEqual(self.status_of(deal), self.quoted, "the second quotation still stands")
		frappe.db.set_value("CRM Deal", deal, "status", self.later, update_modified=False)
		second.cancel()
		self.assertEqual(self.status_of(deal), self.later, "a deal moved on since stays where it is")
