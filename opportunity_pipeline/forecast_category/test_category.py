"""Forecast categories on opportunities and, where Frappe CRM is installed, on its deals: a stage's category
unless the owner chose one, Closed once won and Omitted once lost (by a save or by a status set on its
own, as ERPNext's sales order and Frappe CRM's code set it), a stage's new category reaching its
documents, and the forecast grouped by category."""

import unittest

import frappe
from frappe.utils import add_months, get_first_day, get_last_day, today

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.forecast_category.category import (
	FIELD,
	SET_BY_HAND,
	fill_categories,
	refresh_stage,
)
from opportunity_pipeline.forecast_category.rules import BEST_CASE, CLOSED, COMMIT, OMITTED, PIPELINE
from opportunity_pipeline.opportunity_pipeline.report.opportunity_pipeline_forecast.opportunity_pipeline_forecast import (
	execute as forecast,
)
from opportunity_pipeline.pipeline_document import CRM_DEAL, OPPORTUNITY
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import (
	deal_status_of_type,
	make_deal_status,
	make_opportunity,
	make_reason,
	make_stage,
)

EARLY, LATE = "_OP Category Early", "_OP Category Late"


def stored(doc) -> tuple[str, int]:
	return tuple(frappe.db.get_value(doc.doctype, doc.name, [FIELD, SET_BY_HAND]))


class TestOpportunityForecastCategory(IntegrationTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		for stage, category in ((EARLY, PIPELINE), (LATE, BEST_CASE)):
			make_stage(stage, 20)
			frappe.db.set_value("Sales Stage", stage, FIELD, category)

	def tearDown(self):
		frappe.db.rollback()

	def test_a_new_opportunity_takes_its_stages_category(self):
		self.assertEqual(stored(make_opportunity(sales_stage=LATE)), (BEST_CASE, 0))
		self.assertEqual(stored(make_opportunity()), (PIPELINE, 0))

	def test_the_stage_moves_it_unless_its_owner_chose_one(self):
		followed = make_opportunity(sales_stage=EARLY)
		chosen = make_opportunity(sales_stage=EARLY, forecast_category=COMMIT)
		self.assertEqual(stored(chosen), (COMMIT, 1))
		for opportunity in (followed, chosen):
			opportunity.reload()
			opportunity.sales_stage = LATE
			opportunity.save()
		self.assertEqual([stored(followed), stored(chosen)], [(BEST_CASE, 0), (COMMIT, 1)])

	def test_clearing_the_choice_gives_it_back_to_the_stage(self):
		opportunity = make_opportunity(sales_stage=LATE, forecast_category=COMMIT)
		opportunity.forecast_category = None
		opportunity.save()
		self.assertEqual(stored(opportunity), (BEST_CASE, 0))

	def test_closed_and_omitted_are_the_apps_and_a_client_cannot_mark_a_choice(self):
		opportunity = make_opportunity(sales_stage=EARLY)
		opportunity.forecast_category = CLOSED
		with self.assertRaisesRegex(frappe.ValidationError, "Closed and Omitted are set"):
			opportunity.save()
		opportunity.reload()
		opportunity.set(SET_BY_HAND, 1)
		opportunity.sales_stage = LATE
		opportunity.save()
		self.assertEqual(stored(opportunity), (BEST_CASE, 0))

	def test_won_is_closed_and_lost_is_omitted_by_a_save_or_a_status_set_alone(self):
		lost = make_opportunity(sales_stage=LATE, forecast_category=COMMIT)
		lost.status = "Lost"
		lost.append("lost_reasons", {"lost_reason": make_reason("_OP Category Price")})
		lost.save()
		# As ERPNext's sales order marks the opportunity it came from (set_status, a db_set).
		won = make_opportunity(sales_stage=LATE)
		won.db_set("status", "Converted")
		self.assertEqual([stored(lost)[0], stored(won)[0]], [OMITTED, CLOSED])
		won.reload()
		won.db_set("status", "Open")
		self.assertEqual(stored(won), (BEST_CASE, 0))

	def test_a_stages_new_category_reaches_its_open_opportunities_not_the_chosen_ones(self):
		followed = make_opportunity(sales_stage=EARLY)
		chosen = make_opportunity(sales_stage=EARLY, forecast_category=BEST_CASE)
		frappe.db.set_value("Sales Stage", EARLY, FIELD, COMMIT)
		refresh_stage("Opportunity", EARLY)
		self.assertEqual([stored(followed)[0], stored(chosen)[0]], [COMMIT, BEST_CASE])

	def test_install_fills_the_opportunities_without_a_category(self):
		open_, won = make_opportunity(sales_stage=LATE), make_opportunity(sales_stage=LATE)
		won.db_set("status", "Converted")
		frappe.db.set_value("Opportunity", [open_.name, won.name], FIELD, None, update_modified=False)
		fill_categories(OPPORTUNITY)
		self.assertEqual([stored(open_)[0], stored(won)[0]], [BEST_CASE, CLOSED])

	def test_the_forecast_groups_by_category(self):
		closing = get_first_day(add_months(today(), 1))
		for values in ({"sales_stage": LATE}, {"sales_stage": EARLY, "forecast_category": COMMIT}):
			make_opportunity(opportunity_amount=1000, expected_closing=closing, **values)
		filters = {
			"company": frappe.defaults.get_global_default("company"),
			"group_by": "Forecast Category",
			"from_date": closing,
			"to_date": get_last_day(closing),
		}
		_columns, rows, *_rest = forecast(filters)
		groups = [row["group"] for row in rows]
		self.assertLess(groups.index(BEST_CASE), groups.index(COMMIT))
		self.assertTrue(all(row["amount"] >= 1000 for row in rows if row["group"] in (BEST_CASE, COMMIT)))


@unittest.skipUnless(frappe_crm.installed(), "Frappe CRM is not installed on this site")
class TestDealForecastCategory(IntegrationTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		self.early = make_deal_status("_OP Category Early", "Open")
		self.late = make_deal_status("_OP Category Late", "Ongoing")
		frappe.db.set_value("CRM Deal Status", self.late, FIELD, COMMIT)

	def tearDown(self):
		frappe.db.rollback()

	def deal(self, **values):
		return frappe.get_doc({"doctype": "CRM Deal", "status": self.early, **values}).insert()

	def test_a_deal_follows_its_status_unless_its_owner_chose_one(self):
		followed, chosen = self.deal(), self.deal(forecast_category=BEST_CASE)
		for deal in (followed, chosen):
			deal.reload()
			deal.status = self.late
			deal.save()
		self.assertEqual([stored(followed), stored(chosen)], [(COMMIT, 0), (BEST_CASE, 1)])

	def test_a_won_deal_is_closed_and_a_lost_one_omitted(self):
		won, lost = self.deal(), self.deal()
		won.reload()
		won.status = deal_status_of_type("Won")
		won.save()
		# As Frappe CRM's own code sets a status (db_set).
		lost.db_set({"status": deal_status_of_type("Lost"), "lost_reason": "Unresponsive Prospect"})
		self.assertEqual([stored(won)[0], stored(lost)[0]], [CLOSED, OMITTED])

	def test_a_statuss_new_category_reaches_its_open_deals(self):
		deal = self.deal()
		frappe.db.set_value("CRM Deal Status", self.early, FIELD, BEST_CASE)
		refresh_stage(CRM_DEAL.doctype, self.early)
		self.assertEqual(stored(deal)[0], BEST_CASE)
