"""The demo pipeline: refused on a site with sales data; a short story played through the app's own paths
(history dated as it happened, by its sales person; quotations, orders and losses as ERPNext and the app
make them), then removed without a trace."""

import frappe
from frappe.utils import getdate, today

from opportunity_pipeline.demo import plan
from opportunity_pipeline.demo.make import (
	DemoSite,
	forecast_this_quarter,
	make_demo,
	play,
	reference_data,
	remove_demo,
)
from opportunity_pipeline.pipeline_history.record import STATE
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import make_opportunity


class TestDemo(IntegrationTestCase):
	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def test_a_site_with_sales_data_is_refused(self):
		make_opportunity()
		with self.assertRaisesRegex(frappe.ValidationError, "without sales data"):
			make_demo()

	def short_story(self):
		"""One opportunity of each ending: won, lost after a quotation, lost before one, still open."""
		story = plan.story()

		def first(outcome, quoted):
			return next(
				o
				for o in story
				if o.outcome == outcome and any(s.action == plan.QUOTE for s in o.steps) == quoted
			)

		return [first("won", True), first("lost", True), first("lost", False), first("open", False)]

	def test_a_short_story_goes_through_the_app_and_comes_out_again(self):
		company = frappe.defaults.get_global_default("company")
		site = DemoSite(2026)
		reference_data(site, company)
		# In the order play() creates them (by their first moment), which site.made keeps.
		story = sorted(self.short_story(), key=lambda o: (o.steps[0].day, o.steps[0].hour))
		play(site, company, story)
		site.save_manifest()
		opportunities = [name for doctype, name in site.made if doctype == "Opportunity"]
		self.assertEqual(len(opportunities), 4)

		ended = list(zip(story, opportunities, strict=True))
		for opportunity, name in ended:
			status = frappe.db.get_value("Opportunity", name, "status")
			# An open story may have gone idle: auto-closed.
			expected = {"won": ("Converted",), "lost": ("Lost",)}.get(opportunity.outcome, ("Open", "Closed"))
			self.assertIn(status, expected, opportunity.outcome)
		lost = [name for opportunity, name in ended if opportunity.outcome == "lost"]
		self.assertEqual(len(lost), 2)
		self.assertTrue(
			frappe.db.exists(
				"Sales Order",
				{"docstatus": 1, "name": ("in", [n for d, n in site.made if d == "Sales Order"])},
			)
		)
		for name in lost:
			self.assertTrue(frappe.get_all("Opportunity Lost Reason Detail", {"parent": name}))

		# The team forecast's figures: each order booked to its opportunity's owner, each sales person
		# a user through their Employee with a quota, and a forecast for this quarter.
		won = next(name for opportunity, name in ended if opportunity.outcome == "won")
		owner = frappe.db.get_value("Opportunity", won, "opportunity_owner")
		order = next(n for d, n in site.made if d == "Sales Order")
		self.assertEqual(
			frappe.get_all("Sales Team", {"parent": order}, pluck="sales_person"), [site.sales_people[owner]]
		)
		person = frappe.get_doc("Sales Person", site.sales_people[owner])
		self.assertEqual(frappe.db.get_value("Employee", person.employee, "user_id"), owner)
		self.assertTrue(all(target.target_amount == plan.YEARLY_QUOTA for target in person.targets))
		forecast_this_quarter(site, company)
		site.save_manifest()
		self.assertEqual(
			frappe.db.count(
				"Sales Forecast", {"docstatus": 1, "sales_person": ("in", list(site.sales_people.values()))}
			),
			len(plan.SALES_PEOPLE),
		)

		# The history as the app writes it: dated across the past year, by the sales person.
		for opportunity, name in zip(story, opportunities, strict=True):
			rows = frappe.get_all(
				STATE, {"opportunity": name}, ["valid_from", "changed_by"], order_by="valid_from"
			)
			self.assertGreaterEqual(len(rows), 2, name)
			self.assertLess(getdate(rows[0].valid_from), getdate(today()))
			owner = site.users[opportunity.owner][0]
			self.assertEqual(rows[0].changed_by, owner)

		self.assertGreater(remove_demo(), 0)
		for name in opportunities:
			self.assertFalse(frappe.db.exists("Opportunity", name))
			self.assertFalse(frappe.db.exists(STATE, {"opportunity": name}))
			self.assertFalse(frappe.db.exists("Version", {"ref_doctype": "Opportunity", "docname": name}))
		for doctype, name in site.made:
			self.assertFalse(frappe.db.exists(doctype, name), (doctype, name))
		self.assertFalse(frappe.db.get_default("opportunity_pipeline_demo"))
