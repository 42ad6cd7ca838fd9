import frappe
from frappe.cache_manager import clear_doctype_map

from opportunity_pipeline.follow_up.assignment import RULE_NAME, _rules_assign
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import in_days, make_opportunity, make_user


class TestAssignment(IntegrationTestCase):
	def setUp(self):
		frappe.db.delete(
			"Has Role",
			{"role": "Sales Manager", "parenttype": "User", "parent": ("not in", ["Administrator"])},
		)
		self.managers = sorted(
			make_user(email, roles=("Sales User", "Sales Manager"))
			for email in ("op-manager-1@example.com", "op-manager-2@example.com")
		)

	def tearDown(self):
		frappe.db.rollback()
		# The rule was enabled and saved inside the rolled-back transaction: forget its cached state too.
		clear_doctype_map("Assignment Rule", "Opportunity")

	def enable_rule(self):
		rule = frappe.get_doc("Assignment Rule", RULE_NAME)
		rule.users = []
		rule.disabled = 0
		rule.save()
		return rule

	def assignees(self, opportunity):
		return frappe.get_all(
			"ToDo",
			filters={"reference_type": "Opportunity", "reference_name": opportunity.name, "status": "Open"},
			pluck="allocated_to",
		)

	def test_the_rule_ships_disabled(self):
		rule = frappe.get_doc("Assignment Rule", RULE_NAME)
		self.assertEqual((rule.document_type, rule.rule), ("Opportunity", "Round Robin"))
		self.assertEqual(rule.disabled, 1)
		self.assertFalse(_rules_assign("Opportunity"))

	def test_enabled_rule_alternates_new_opportunities_between_sales_managers(self):
		rule = self.enable_rule()
		self.assertEqual(sorted(row.user for row in rule.users), self.managers)

		assigned = [self.assignees(make_opportunity())[0] for _ in range(4)]

		self.assertEqual(sorted(assigned[:2]), self.managers)
		self.assertEqual(assigned[:2], assigned[2:])

	def test_the_assignee_becomes_next_contact_by_and_gets_the_event(self):
		self.enable_rule()
		opportunity = make_opportunity(contact_date=in_days(2))

		assignee = self.assignees(opportunity)[0]
		self.assertEqual(opportunity.contact_by, assignee)
		self.assertEqual(frappe.db.get_value("Opportunity", opportunity.name, "contact_by"), assignee)
		self.assertEqual(frappe.db.get_value("Event", opportunity.follow_up_event, "owner"), assignee)
		self.assertEqual(frappe.db.count("Event Participants", {"reference_docname": opportunity.name}), 1)

	def test_a_hand_assignment_fills_an_empty_next_contact_by_only(self):
		from frappe.desk.form.assign_to import add as assign

		empty = make_opportunity()
		kept = make_opportunity(contact_by=self.managers[1])
		for opportunity in (empty, kept):
			assign({"assign_to": [self.managers[0]], "doctype": "Opportunity", "name": opportunity.name})

		self.assertEqual(frappe.db.get_value("Opportunity", empty.name, "contact_by"), self.managers[0])
		self.assertEqual(frappe.db.get_value("Opportunity", kept.name, "contact_by"), self.managers[1])

	def test_lost_closed_or_converted_opportunities_are_unassigned(self):
		self.enable_rule()
		opportunity = make_opportunity()
		self.assertTrue(self.assignees(opportunity))

		opportunity.status = "Closed"
		opportunity.save()

		self.assertEqual(self.assignees(opportunity), [])

	def test_a_todo_from_someone_who_may_not_change_the_opportunity_moves_nothing(self):
		rule = self.enable_rule()
		rule.assign_condition = 'status == "Never"'  # the rule itself assigns nothing here
		rule.save()
		outsider = make_user("op-todo-outsider@example.com", roles=("Purchase User",))
		for via_rule in (None, RULE_NAME):
			opportunity = make_opportunity()
			loaded = frappe.get_doc("Opportunity", opportunity.name)
			with self.set_user(outsider):
				frappe.get_doc(
					{
						"doctype": "ToDo",
						"allocated_to": outsider,
						"reference_type": "Opportunity",
						"reference_name": opportunity.name,
						"description": "Mine now",
						"assignment_rule": via_rule,
					}
				).insert()
			loaded.title = "Saved by someone allowed, with the form loaded before the ToDo"
			loaded.save()
			with self.subTest(via_rule=via_rule):
				self.assertFalse(frappe.db.get_value("Opportunity", opportunity.name, "contact_by"))
				self.assertFalse(frappe.db.get_value("Opportunity", opportunity.name, "follow_up_event"))
