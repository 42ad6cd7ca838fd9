"""Who reads the pipeline history: a deleted opportunity's rows stay out for a user who may not read its
Deleted Document, even when a later opportunity they may read takes its name (the series hands the number
back, or a rename to the free name); and the history's rights are no wider than Opportunity's."""

import frappe

from opportunity_pipeline.api import pipeline_as_of
from opportunity_pipeline.opportunity_pipeline.report.pipeline_movement.pipeline_movement import (
	execute as pipeline_movement,
)
from opportunity_pipeline.opportunity_pipeline.report.stage_velocity.stage_velocity import (
	execute as stage_velocity,
)
from opportunity_pipeline.pipeline_history.record import STATE
from opportunity_pipeline.pipeline_history.test_as_of import COMPANY, HistoryTestCase, at
from opportunity_pipeline.tests.factories import make_stage, make_territory, make_user

NORTH_USER = "_op_reuse_north@example.com"
SALES_USER = "_op_reuse_sales@example.com"
SALES_MANAGER = "_op_reuse_manager@example.com"
SYSTEM_MANAGER = "_op_reuse_system@example.com"


class TestReusedNames(HistoryTestCase):
	def setUp(self):
		super().setUp()
		self.north, self.south = make_territory("_OP Reuse North"), make_territory("_OP Reuse South")
		self.first, self.second = make_stage("_OP Reuse First", 50), make_stage("_OP Reuse Second", 50)
		self.north_user = make_user(NORTH_USER, roles=("Sales User",))
		frappe.get_doc(
			{"doctype": "User Permission", "user": NORTH_USER, "allow": "Territory", "for_value": self.north}
		).insert(ignore_permissions=True)

	def south_opportunity_deleted_on_the_10th(self):
		"""A South opportunity of 900, open from March 2nd, moved on the 5th, deleted on the 10th."""
		doc = self.opportunity(
			"2026-03-02", opportunity_amount=900, territory=self.south, sales_stage=self.first
		)
		self.change(doc, "2026-03-05", sales_stage=self.second)
		with self.freeze_time(at("2026-03-10")):
			frappe.delete_doc("Opportunity", doc.name)
		return doc.name

	def north_opportunity(self, day):
		return self.opportunity(day, opportunity_amount=100, territory=self.north, sales_stage=self.first)

	def reuse_by_series(self):
		deleted = self.south_opportunity_deleted_on_the_10th()
		reused = self.north_opportunity("2026-03-11")
		self.assertEqual(reused.name, deleted, "the series gives the last number back")
		return deleted

	def reuse_by_rename(self):
		north = self.north_opportunity("2026-03-01")
		deleted = self.south_opportunity_deleted_on_the_10th()
		frappe.set_user(NORTH_USER)  # anyone who may write their opportunity may rename it to a free name
		frappe.rename_doc("Opportunity", north.name, deleted)
		frappe.set_user("Administrator")
		return deleted

	def assert_the_north_user_sees_only_north(self, deleted, opening):
		frappe.set_user(NORTH_USER)
		as_of = pipeline_as_of("2026-03-06", COMPANY, group_by="territory")
		self.assertNotIn(self.south, [group["key"] for group in as_of["groups"]])
		movement = pipeline_movement(
			{"company": COMPANY, "from_date": "2026-03-03", "to_date": "2026-03-12", "value": "Count"}
		)[1][0]
		self.assertEqual((movement["opening"], movement["deleted"]), (opening, 0), movement)
		velocity = stage_velocity({"company": COMPANY, "from_date": "2026-03-01", "to_date": "2026-03-31"})
		self.assertEqual(sum(row["stays"] for row in velocity[1]), 0)
		self.assertFalse(frappe.get_list(STATE, filters={"opportunity": deleted, "deleted": 1}))

	def test_a_name_the_series_hands_back(self):
		self.assert_the_north_user_sees_only_north(self.reuse_by_series(), opening=0)

	def test_a_name_taken_by_a_rename(self):
		deleted = self.reuse_by_rename()
		self.assert_the_north_user_sees_only_north(deleted, opening=1)
		frappe.set_user(NORTH_USER)
		self.assertEqual(pipeline_as_of("2026-03-06", COMPANY)["amount"], 100)  # its own history

	def test_a_deleted_opportunity_is_read_as_its_deleted_document(self):
		"""Only a user who may read Deleted Documents, and whom nothing restricts on Opportunity, reads a
		deleted opportunity's history: in the reports (Pipeline Movement's Deleted line) and the rows."""
		deleted = self.south_opportunity_deleted_on_the_10th()
		row = frappe.get_all(STATE, {"opportunity": deleted, "deleted": 1}, pluck="name", limit=1)[0]
		period = {"company": COMPANY, "from_date": "2026-03-03", "to_date": "2026-03-12", "value": "Count"}
		readers = {
			make_user(SALES_USER, roles=("Sales User",)): False,
			make_user(SALES_MANAGER, roles=("Sales Manager",)): False,
			make_user(SYSTEM_MANAGER, roles=("Sales Manager", "System Manager")): True,
		}
		for user, reads in readers.items():
			with self.subTest(user=user), self.set_user(user):
				self.assertEqual(frappe.has_permission("Deleted Document"), reads)
				self.assertEqual(pipeline_movement(period)[1][0]["deleted"], int(reads))
				self.assertEqual(pipeline_as_of("2026-03-06", COMPANY)["count"], int(reads))
				self.assertEqual(bool(frappe.get_list(STATE, {"opportunity": deleted})), reads)
				self.assertEqual(frappe.has_permission(STATE, doc=row), reads)

	def test_rights_no_wider_than_opportunity_s(self):
		users = [
			make_user(SALES_USER, roles=("Sales User",)),
			make_user(SALES_MANAGER, roles=("Sales Manager",)),
			make_user(SYSTEM_MANAGER, roles=("System Manager",)),
		]
		for user in users:
			for ptype in ("read", "report", "export", "print", "write", "create", "delete"):
				with self.subTest(user=user, ptype=ptype):
					on_opportunity = frappe.has_permission("Opportunity", ptype, user=user)
					if not on_opportunity:
						self.assertFalse(frappe.has_permission(STATE, ptype, user=user))
		self.assertFalse(frappe.has_permission(STATE, "export", user=users[0]))
		self.assertTrue(frappe.has_permission(STATE, "export", user=users[1]))
