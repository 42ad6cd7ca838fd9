import frappe
from frappe.desk.doctype.kanban_board.kanban_board import update_order_for_single_card
from frappe.utils import add_days, get_datetime, now_datetime

from opportunity_pipeline.forecast.kanban import BOARD, ensure_sales_stage_board
from opportunity_pipeline.forecast.stages import set_default_stage_probabilities
from opportunity_pipeline.patches.v15_0 import fill_converted_on
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import make_opportunity


def make_stage(name, probability=None):
	if not frappe.db.exists("Sales Stage", name):
		frappe.get_doc({"doctype": "Sales Stage", "stage_name": name, "probability": probability}).insert()
	frappe.db.set_value("Sales Stage", name, "probability", probability or 0)
	return name


class TestStageProbability(IntegrationTestCase):
	def setUp(self):
		self.early = make_stage("_OP Stage Early", 25)
		self.late = make_stage("_OP Stage Late", 60)
		self.unweighted = make_stage("_OP Stage Unweighted")

	def tearDown(self):
		frappe.db.rollback()

	def test_a_new_opportunity_takes_its_stage_probability(self):
		opportunity = make_opportunity(sales_stage=self.early)
		self.assertEqual((opportunity.probability, opportunity.probability_set_by_hand), (25, 0))
		self.assertEqual(frappe.db.get_value("Opportunity", opportunity.name, "probability"), 25)

	def test_a_stage_change_applies_the_new_stage_probability(self):
		opportunity = make_opportunity(sales_stage=self.early)
		opportunity.sales_stage = self.late
		opportunity.save()
		self.assertEqual((opportunity.probability, opportunity.probability_set_by_hand), (60, 0))

	def test_a_probability_set_by_hand_survives_stage_changes(self):
		opportunity = make_opportunity(sales_stage=self.early, probability=80)
		self.assertEqual((opportunity.probability, opportunity.probability_set_by_hand), (80, 1))
		opportunity.sales_stage = self.late
		opportunity.save()
		self.assertEqual(opportunity.probability, 80)

		opportunity.reload()
		opportunity.probability = 35
		opportunity.sales_stage = self.early
		opportunity.save()
		self.assertEqual((opportunity.probability, opportunity.probability_set_by_hand), (35, 1))

	def test_clearing_the_probability_hands_it_back_to_the_stage(self):
		opportunity = make_opportunity(sales_stage=self.early, probability=80)
		opportunity.probability = None
		opportunity.save()
		self.assertEqual((opportunity.probability, opportunity.probability_set_by_hand), (25, 0))
		opportunity.sales_stage = self.late
		opportunity.save()
		self.assertEqual(opportunity.probability, 60)

	def test_a_stage_without_probability_leaves_the_opportunity_alone(self):
		opportunity = make_opportunity(sales_stage=self.early)
		opportunity.sales_stage = self.unweighted
		opportunity.save()
		self.assertEqual(opportunity.probability, 25)


class TestDefaultStages(IntegrationTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def test_erpnext_default_stages_get_probability_and_order(self):
		frappe.db.delete("Sales Stage", {"name": "Negotiation/Review"})
		stage = frappe.get_doc({"doctype": "Sales Stage", "stage_name": "Negotiation/Review"}).insert()
		self.assertEqual((stage.probability, stage.stage_order), (90, 8))

		frappe.db.set_value("Sales Stage", "Negotiation/Review", {"probability": 0, "stage_order": 0})
		set_default_stage_probabilities()
		self.assertEqual(
			frappe.db.get_value("Sales Stage", "Negotiation/Review", ["probability", "stage_order"]), (90, 8)
		)

	def test_a_probability_chosen_by_the_sales_manager_is_kept_on_migrate(self):
		frappe.db.set_value("Sales Stage", make_stage("Qualification", 20), "probability", 33)
		set_default_stage_probabilities()
		self.assertEqual(frappe.db.get_value("Sales Stage", "Qualification", "probability"), 33)

	def test_a_new_custom_stage_goes_last(self):
		last = frappe.db.get_value("Sales Stage", {}, "max(stage_order)")
		stage = frappe.get_doc({"doctype": "Sales Stage", "stage_name": "_OP Stage Last"}).insert()
		self.assertEqual(stage.stage_order, last + 1)


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


class TestConvertedOn(IntegrationTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def test_conversion_is_dated_and_forgotten_on_reopening(self):
		opportunity = make_opportunity()
		opportunity.db_set("status", "Converted")  # as ERPNext's Sales Order does
		self.assertTrue(frappe.db.get_value("Opportunity", opportunity.name, "converted_on"))
		opportunity.reload()
		opportunity.db_set("status", "Open")
		self.assertIsNone(frappe.db.get_value("Opportunity", opportunity.name, "converted_on"))

	def test_the_patch_dates_old_wins_from_their_last_change(self):
		opportunity = make_opportunity()
		won_at = add_days(now_datetime(), -12).replace(microsecond=0)
		frappe.db.set_value(
			"Opportunity",
			opportunity.name,
			{"status": "Converted", "converted_on": None, "modified": won_at},
			update_modified=False,
		)
		fill_converted_on.execute()
		self.assertEqual(
			get_datetime(frappe.db.get_value("Opportunity", opportunity.name, "converted_on")), won_at
		)
