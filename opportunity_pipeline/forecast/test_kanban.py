"""The kanban board of opportunities by sales stage follows the stage list; moving a card sets the stage."""

import frappe
from frappe.desk.doctype.kanban_board.kanban_board import update_order_for_single_card

from opportunity_pipeline import install
from opportunity_pipeline.forecast.kanban import BOARD, ensure_sales_stage_board
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import make_opportunity, make_stage


class TestSalesStageKanban(IntegrationTestCase):
	def setUp(self):
		ensure_sales_stage_board()

	def tearDown(self):
		frappe.db.rollback()

	def columns(self):
		return [column.column_name for column in frappe.get_doc("Kanban Board", BOARD).columns]

	def test_the_board_groups_opportunities_by_stage_in_stage_order(self):
		board = frappe.get_doc("Kanban Board", BOARD)
		self.assertEqual((board.reference_doctype, board.field_name), ("Opportunity", "sales_stage"))
		stages = frappe.get_all("Sales Stage", order_by="stage_order asc, name asc", pluck="name")
		self.assertEqual(self.columns(), stages)

	def test_the_board_follows_new_renamed_and_deleted_stages(self):
		make_stage("_OP Stage Kanban", 45)
		self.assertEqual(self.columns()[-1], "_OP Stage Kanban")
		frappe.rename_doc("Sales Stage", "_OP Stage Kanban", "_OP Stage Kanban Renamed")
		self.assertIn("_OP Stage Kanban Renamed", self.columns())
		self.assertNotIn("_OP Stage Kanban", self.columns())
		frappe.delete_doc("Sales Stage", "_OP Stage Kanban Renamed")
		self.assertNotIn("_OP Stage Kanban Renamed", self.columns())

	def test_moving_a_card_sets_the_stage_and_its_probability(self):
		early, late = make_stage("_OP Stage Early", 25), make_stage("_OP Stage Late", 60)
		ensure_sales_stage_board()
		opportunity = make_opportunity(sales_stage=early)
		update_order_for_single_card(BOARD, opportunity.name, early, late, 0, 0)
		self.assertEqual(
			frappe.db.get_value("Opportunity", opportunity.name, ["sales_stage", "probability"]), (late, 60)
		)


class TestBoardInEitherSetUpOrder(IntegrationTestCase):
	"""A new site, as near as a test gets to one: no board and no stage, then the app's install and
	ERPNext's setup wizard's stages in either order. The stages come through the wizard's own code
	(install_fixtures.make_records, as the wizard inserts them)."""

	def setUp(self):
		frappe.db.delete("Kanban Board Column", {"parent": BOARD})
		frappe.db.delete("Kanban Board", BOARD)
		frappe.db.delete("Sales Stage")

	def tearDown(self):
		frappe.db.rollback()

	def wizard_creates_the_stages(self):
		from erpnext.setup.setup_wizard.operations.install_fixtures import make_records, read_lines

		make_records(
			[{"doctype": "Sales Stage", "stage_name": title} for title in read_lines("sales_stage.txt")]
		)
		return read_lines("sales_stage.txt")

	def columns(self):
		return [column.column_name for column in frappe.get_doc("Kanban Board", BOARD).columns]

	def test_app_installed_before_the_wizard(self):
		install.set_up_forecast()  # what install and migrate do
		self.assertEqual(self.columns(), [])
		stages = self.wizard_creates_the_stages()
		self.assertEqual(self.columns(), stages)
		self.assertEqual(
			self.columns(), frappe.get_all("Sales Stage", order_by="stage_order asc", pluck="name")
		)

	def test_wizard_before_the_app(self):
		stages = self.wizard_creates_the_stages()
		install.set_up_forecast()
		self.assertEqual(set(self.columns()), set(stages))
		self.assertEqual(
			self.columns(), frappe.get_all("Sales Stage", order_by="stage_order asc", pluck="name")
		)
