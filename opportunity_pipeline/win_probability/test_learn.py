from datetime import timedelta

import frappe
from frappe.tests.utils import change_settings
from frappe.utils import add_days, now_datetime

from opportunity_pipeline.lost.queries import opportunity_field
from opportunity_pipeline.pipeline_history.record import STATE
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import (
	make_closed_opportunity,
	make_company,
	make_history,
	make_lead_source,
	make_opportunity,
	make_stage,
)
from opportunity_pipeline.win_probability.apply import apply_company, apply_stage_probabilities
from opportunity_pipeline.win_probability.learn import WIN_FACTOR, learn_company, stored_factors
from opportunity_pipeline.win_probability.rules import NO_STAGE, STAGE_FIELD, score
from opportunity_pipeline.win_probability.settings import save_defaults, win_probability_settings

LOW_THRESHOLDS = {
	"win_probability_min_won": 4,
	"win_probability_min_lost": 4,
	"win_probability_min_count": 2,
	"win_probability_use_territory": 0,
	"win_probability_use_customer_group": 0,
	"win_probability_use_opportunity_type": 0,
}
LEARNED = {**LOW_THRESHOLDS, "win_probability_method": "Learned"}


class WinProbabilityTestCase(IntegrationTestCase):
	"""A company of its own and a history: Referral won 60 times, Cold Call 20; at Early, Cold Call was
	lost 20 times; at Late, Cold Call was lost 40 times and Referral 10."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = make_company()

	def setUp(self):
		self.early = make_stage("_OP Win Early", 20)
		self.late = make_stage("_OP Win Late", 60)
		self.referral = make_lead_source("_OP Referral")
		self.cold_call = make_lead_source("_OP Cold Call")
		make_history(
			self.company,
			[
				("Converted", 60, {"sales_stage": self.early, "source": self.referral}),
				("Lost", 20, {"sales_stage": self.early, "source": self.cold_call}),
				("Converted", 20, {"sales_stage": self.late, "source": self.cold_call}),
				("Lost", 40, {"sales_stage": self.late, "source": self.cold_call}),
				("Lost", 10, {"sales_stage": self.late, "source": self.referral}),
			],
		)

	def tearDown(self):
		frappe.db.rollback()

	def open_opportunity(self, **values):
		return make_opportunity(**{"company": self.company, "sales_stage": self.early, **values})


class TestLearning(WinProbabilityTestCase):
	@change_settings("Selling Settings", LOW_THRESHOLDS)
	def test_counts_follow_the_stage_rule(self):
		"""Wins count at every stage; a loss at its own stage and the earlier ones."""
		learn_company(self.company)
		factors = stored_factors(self.company)
		counts = {
			stage: (factors[(stage, STAGE_FIELD, stage)].won, factors[(stage, STAGE_FIELD, stage)].lost)
			for stage in (NO_STAGE, self.early, self.late)
		}
		self.assertEqual(counts, {NO_STAGE: (80, 70), self.early: (80, 70), self.late: (80, 50)})
		self.assertEqual(
			(
				factors[(self.late, "source", self.cold_call)].won,
				factors[(self.late, "source", self.cold_call)].lost,
			),
			(20, 40),
		)

	@change_settings("Selling Settings", LOW_THRESHOLDS)
	def test_learning_again_replaces_the_company_factors_only(self):
		learn_company(self.company)
		first = frappe.db.count(WIN_FACTOR, {"company": self.company})
		other = "_OP Another Company"  # written as it is: the table keeps whatever company it is given
		frappe.db.bulk_insert(
			WIN_FACTOR,
			["name", "company", "sales_stage", "field", "value", "won", "lost", "weight"],
			[("_op_other", other, "", STAGE_FIELD, "", 1, 1, 0)],
		)
		learn_company(self.company)
		self.assertEqual(frappe.db.count(WIN_FACTOR, {"company": self.company}), first)
		self.assertTrue(frappe.db.exists(WIN_FACTOR, "_op_other"))

	@change_settings("Selling Settings", {**LOW_THRESHOLDS, "win_probability_closed_is_lost": 1})
	def test_closed_counts_as_lost_only_when_the_manager_says_so(self):
		make_closed_opportunity("Closed", self.company, sales_stage=self.late)
		learn_company(self.company)
		self.assertEqual(stored_factors(self.company)[(NO_STAGE, STAGE_FIELD, NO_STAGE)].lost, 71)
		frappe.db.set_single_value("Selling Settings", "win_probability_closed_is_lost", 0)
		learn_company(self.company)
		self.assertEqual(stored_factors(self.company)[(NO_STAGE, STAGE_FIELD, NO_STAGE)].lost, 70)


class TestApplying(WinProbabilityTestCase):
	def expected(self, stage, source):
		settings = win_probability_settings()
		return score(stored_factors(self.company), stage, {"source": source}, settings.fields).probability

	@change_settings("Selling Settings", LEARNED)
	def test_apply_sets_every_open_opportunity_but_those_typed_by_hand(self):
		by_stage = self.open_opportunity(source=self.referral)
		by_hand = self.open_opportunity(source=self.referral, probability=33)
		learn_company(self.company)
		self.assertEqual(apply_company(self.company), 1)
		learned = self.expected(self.early, self.referral)
		self.assertEqual(frappe.db.get_value("Opportunity", by_stage.name, "probability"), learned)
		self.assertEqual(frappe.db.get_value("Opportunity", by_hand.name, "probability"), 33)
		self.assertNotEqual(learned, 20)
		self.assertEqual(apply_company(self.company), 0, "nothing changes twice")

	@change_settings("Selling Settings", LEARNED)
	def test_applying_keeps_the_idle_clock_and_records_the_history(self):
		"""The app's own change is no response: an opportunity idle for 40 days stays idle for the
		auto-close (its `modified` moves by a microsecond, so a form opened before cannot save over the
		change), and the pipeline history still gets the new chance."""
		opportunity = self.open_opportunity(source=self.referral)
		idle_since = add_days(now_datetime(), -40)
		frappe.db.set_value("Opportunity", opportunity.name, "modified", idle_since, update_modified=False)
		learn_company(self.company)
		self.assertEqual(apply_company(self.company), 1)
		modified = frappe.db.get_value("Opportunity", opportunity.name, "modified")
		self.assertEqual(modified - idle_since, timedelta(microseconds=1))
		learned = self.expected(self.early, self.referral)
		self.assertEqual(self.recorded_probabilities(opportunity.name), [20, learned])

		with change_settings("Selling Settings", {"win_probability_method": "Sales Stage"}):
			apply_stage_probabilities()
		modified = frappe.db.get_value("Opportunity", opportunity.name, "modified")
		self.assertEqual(modified - idle_since, timedelta(microseconds=2))
		self.assertEqual(self.recorded_probabilities(opportunity.name), [20, learned, 20])

	def recorded_probabilities(self, opportunity: str) -> list[float]:
		return frappe.get_all(
			STATE,
			{"opportunity": opportunity, "document_type": "Opportunity", "deleted": 0},
			pluck="probability",
			order_by="valid_from asc, name asc",
		)

	@change_settings("Selling Settings", LEARNED)
	def test_a_save_applies_the_learned_chance_when_its_inputs_change(self):
		learn_company(self.company)
		opportunity = self.open_opportunity(source=self.referral)
		self.assertEqual(opportunity.probability, self.expected(self.early, self.referral))
		self.assertEqual(opportunity.probability_set_by_hand, 0)
		opportunity.set(opportunity_field("source"), self.cold_call)
		opportunity.save()
		self.assertEqual(opportunity.probability, self.expected(self.early, self.cold_call))
		self.assertEqual(opportunity.probability_set_by_hand, 0)

		opportunity.probability = 12
		opportunity.save()
		opportunity.sales_stage = self.late
		opportunity.save()
		self.assertEqual((opportunity.probability, opportunity.probability_set_by_hand), (12, 1))

	@change_settings("Selling Settings", {**LEARNED, "win_probability_min_won": 500})
	def test_below_the_minimum_history_the_stage_probability_stays(self):
		learn_company(self.company)
		opportunity = self.open_opportunity(source=self.referral)
		self.assertEqual(opportunity.probability, 20)
		self.assertEqual(apply_company(self.company), 0)

	@change_settings("Selling Settings", LOW_THRESHOLDS)
	def test_under_sales_stage_the_stage_probability_applies_and_comes_back(self):
		learn_company(self.company)
		opportunity = self.open_opportunity(source=self.referral)
		self.assertEqual(opportunity.probability, 20)
		frappe.db.set_value("Opportunity", opportunity.name, "probability", 71.5, update_modified=False)
		apply_stage_probabilities()
		self.assertEqual(frappe.db.get_value("Opportunity", opportunity.name, "probability"), 20)

	def test_install_saves_each_default_the_form_shows(self):
		for fieldname in ("win_probability_method", "win_probability_use_source", "win_probability_min_won"):
			frappe.db.delete("Singles", {"doctype": "Selling Settings", "field": fieldname})
		frappe.clear_document_cache("Selling Settings", "Selling Settings")
		save_defaults()
		settings = frappe.get_doc("Selling Settings")
		self.assertEqual(
			(
				settings.win_probability_method,
				settings.win_probability_use_source,
				settings.win_probability_min_won,
			),
			("Sales Stage", 1, 50),
		)
