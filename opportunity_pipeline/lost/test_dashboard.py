import frappe
from frappe.desk.doctype.number_card.number_card import get_result as card_value

from opportunity_pipeline.api import declare_lost
from opportunity_pipeline.opportunity_pipeline.dashboard_chart_source.lost_opportunities_by_reason.lost_opportunities_by_reason import (
	get as chart_data,
)
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import make_opportunity, make_reason


class TestLossesOnTheDesk(IntegrationTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def test_the_workspace_links_the_report_the_chart_and_the_card(self):
		workspace = frappe.get_doc("Workspace", "Opportunity Pipeline")
		self.assertIn("Lost Opportunity Analysis", [link.link_to for link in workspace.links])
		self.assertIn("Lost Opportunities by Reason", [chart.chart_name for chart in workspace.charts])
		self.assertIn(
			"Opportunities Lost This Month", [card.number_card_name for card in workspace.number_cards]
		)

	def test_chart_and_card_count_this_months_losses_by_reason(self):
		reason = make_reason("_OP Desk Reason")
		card = frappe.get_doc("Number Card", "Opportunities Lost This Month")
		company = [["Opportunity", "company", "=", frappe.defaults.get_global_default("company")]]
		before = card_value(card.as_dict(), company)
		for _ in range(2):
			declare_lost(make_opportunity().name, [reason])

		self.assertEqual(card_value(card.as_dict(), company), before + 2)
		chart = chart_data(
			chart_name="Lost Opportunities by Reason",
			filters={"company": frappe.defaults.get_global_default("company")},
			refresh=1,
		)
		counts = dict(zip(chart["labels"], chart["datasets"][0]["values"], strict=True))
		self.assertEqual(counts.get(reason), 2)
