import frappe

from opportunity_pipeline.forecast.stages import set_default_stage_probabilities
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import make_opportunity, make_stage


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
		last = max(frappe.get_all("Sales Stage", pluck="stage_order"))
		stage = frappe.get_doc({"doctype": "Sales Stage", "stage_name": "_OP Stage Last"}).insert()
		self.assertEqual(stage.stage_order, last + 1)
