"""Frappe CRM's deals in the daily digest, beside opportunities (skipped where Frappe CRM is not
installed)."""

import unittest
from datetime import datetime, time, timedelta

import frappe
from frappe.permissions import add_permission
from frappe.utils import add_days, get_url_to_form, now_datetime, today

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.api import my_overdue_follow_ups_card, pipeline_health
from opportunity_pipeline.pipeline_health.digest import daily_health
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import (
	deal_status_of_type,
	make_crm_territory,
	make_deal_status,
	make_opportunity,
	make_user,
)

SELLER = "_op_deal_digest@example.com"


@unittest.skipUnless(frappe_crm.installed(), "Frappe CRM is not installed on this site")
class TestDealDigest(IntegrationTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		self.seller = make_user(SELLER, roles=("Sales User",))
		self.slow = make_deal_status("_OP Digest Slow", "Ongoing")
		frappe.db.set_value("CRM Deal Status", self.slow, "stalled_after_days", 3)
		frappe.db.set_single_value("Selling Settings", "pipeline_digest_enabled", 1)
		frappe.db.set_single_value("Selling Settings", "no_next_step_after_days", 7)
		self.north, self.south = (
			make_crm_territory("_OP Digest North"),
			make_crm_territory("_OP Digest South"),
		)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def deal(self, status=None, territory=None, **values):
		deal = frappe.get_doc(
			{"doctype": "CRM Deal", "status": status or deal_status_of_type("Open"), "territory": territory}
		).insert()
		if values:
			frappe.db.set_value("CRM Deal", deal.name, values, update_modified=False)
		return deal.name

	def stay_since(self, deal, days):
		log = frappe.qb.DocType("CRM Status Change Log")
		frappe.qb.update(log).set(log.from_date, datetime.now() - timedelta(days=days, hours=1)).where(
			log.parent == deal
		).run()

	def overdue_north_and_south(self) -> tuple[str, str]:
		"""Two of the seller's deals, overdue by two days: one in the north, one in the south."""
		overdue = add_days(now_datetime(), -2)
		return tuple(
			self.deal(territory=territory, deal_owner=self.seller, contact_date=overdue)
			for territory in (self.north, self.south)
		)

	def overdue_opportunity(self, owner: str):
		"""An opportunity of `owner` whose follow-up was due yesterday."""
		opportunity = make_opportunity(opportunity_owner=owner)
		frappe.db.set_value(
			"Opportunity",
			opportunity.name,
			"contact_date",
			add_days(now_datetime(), -1),
			update_modified=False,
		)
		return opportunity

	def keep_seller_to_north(self):
		frappe.get_doc(
			{
				"doctype": "User Permission",
				"user": self.seller,
				"allow": "CRM Territory",
				"for_value": self.north,
			}
		).insert(ignore_permissions=True)

	def digest(self, user=SELLER) -> dict:
		(log,) = frappe.get_all(
			"Notification Log",
			filters={"for_user": user, "subject": ("like", "%without a next step%")},
			fields=["subject", "email_content"],
		)
		return log

	def test_the_digest_lists_deals_beside_opportunities_with_links_to_each(self):
		later_today = datetime.combine(datetime.strptime(today(), "%Y-%m-%d"), time(23, 59))
		due = self.deal(contact_by=self.seller, contact_date=later_today)
		overdue = self.deal(deal_owner=self.seller, contact_date=add_days(now_datetime(), -2))
		stalled = self.deal(self.slow, deal_owner=self.seller, contact_date=add_days(now_datetime(), 10))
		self.stay_since(stalled, 5)
		bare = self.deal(deal_owner=self.seller, creation=add_days(now_datetime(), -10))
		opportunity = self.overdue_opportunity(self.seller)
		daily_health()
		log = self.digest()
		self.assertIn("1 follow-ups due, 2 overdue, 1 stalled, 1 without a next step", log.subject)
		for deal in (due, overdue, stalled, bare):
			self.assertIn(get_url_to_form("CRM Deal", deal), log.email_content)
		self.assertIn(get_url_to_form("Opportunity", opportunity.name), log.email_content)

	def test_a_restricted_seller_s_digest_lists_only_the_deals_they_may_list(self):
		mine, theirs = self.overdue_north_and_south()
		self.keep_seller_to_north()
		with self.set_user(self.seller):
			listed = frappe.get_list("CRM Deal", {"name": ("in", [mine, theirs])}, pluck="name")
		self.assertEqual(listed, [mine])
		daily_health()
		log = self.digest()
		self.assertIn(mine, log.email_content)
		self.assertNotIn(theirs, log.email_content)

	def test_finished_and_lost_deals_are_left_out(self):
		lost = self.deal(deal_owner=self.seller, contact_date=add_days(now_datetime(), -2))
		frappe.db.set_value("CRM Deal", lost, "status", deal_status_of_type("Lost"))
		daily_health()
		self.assertFalse(
			frappe.get_all(
				"Notification Log", {"for_user": self.seller, "email_content": ("like", f"%{lost}%")}
			)
		)

	def test_api_pipeline_health_and_the_overdue_card_read_deals_as_the_digest_does(self):
		mine, theirs = self.overdue_north_and_south()
		stalled = self.deal(self.slow, deal_owner=self.seller, contact_date=add_days(now_datetime(), 10))
		self.stay_since(stalled, 5)
		daily_health()  # refreshes the Stalled flags first, as every night
		self.overdue_opportunity(self.seller)

		health = pipeline_health(user=self.seller, document_type="CRM Deal")
		self.assertEqual(health["overdue"], sorted([mine, theirs]))
		self.assertEqual(health["stalled"], [stalled])
		self.assertEqual(health["counts"]["overdue"], 2)
		self.assertRaises(frappe.ValidationError, pipeline_health, document_type="Lead")
		with self.set_user(self.seller):
			self.assertEqual(my_overdue_follow_ups_card()["value"], 3, "two deals and an opportunity")

		self.keep_seller_to_north()
		with self.set_user(self.seller):
			listed = frappe.get_list("CRM Deal", {"name": ("in", [mine, theirs])}, pluck="name")
			self.assertEqual(listed, [mine])
			self.assertEqual(pipeline_health(user=self.seller, document_type="CRM Deal")["overdue"], [mine])
			self.assertEqual(my_overdue_follow_ups_card()["value"], 2)

	def test_the_card_counts_a_user_s_opportunities_alone_when_they_may_read_no_deal(self):
		"""Their deals are skipped, not refused: no "no permission" message comes with the card."""
		role = "_OP Opportunities Only"
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert()
		add_permission("Opportunity", role, 0)
		user = make_user("_op_no_deals@example.com", roles=(role,))
		self.overdue_opportunity(user)
		with self.set_user(user):
			self.assertFalse(frappe.has_permission("CRM Deal", "read"))
			frappe.clear_messages()
			self.assertEqual(my_overdue_follow_ups_card()["value"], 1)
			self.assertEqual(frappe.local.message_log, [])
