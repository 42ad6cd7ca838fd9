"""What the app adds to Frappe CRM, on a site with Frappe CRM (skipped elsewhere): its section in the deal
side panel, as Frappe CRM's own layout API serves /crm, before and after the app's install, a manager's
change and uninstall; and the fields its uninstall finds to remove (the uninstall itself, whose DDL
commits, runs in scripts/check-install-cycle)."""

import json
import unittest

import frappe

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.frappe_crm_side_panel import FOLLOW_UP, FORECAST, SECTIONS, without_app_sections
from opportunity_pipeline.install import after_migrate
from opportunity_pipeline.tests import IntegrationTestCase


def section_names() -> list[str]:
	layout = json.loads(frappe.db.get_value("CRM Fields Layout", frappe_crm.DEAL_SIDE_PANEL, "layout"))
	return [section.get("name") for section in layout]


@unittest.skipUnless(frappe_crm.installed(), "Frappe CRM is not installed on this site")
class TestDealSidePanel(IntegrationTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def test_install_shows_the_follow_up_and_the_category_as_frappe_crm_serves_the_deal_page(self):
		from crm.fcrm.doctype.crm_fields_layout.crm_fields_layout import get_fields_layout

		frappe_crm.show_in_side_panel()
		sections = get_fields_layout("CRM Deal", "Side Panel")[0]["sections"]
		for name, (_label, fields) in SECTIONS.items():
			ours = next(section for section in sections if section["name"] == name)
			self.assertEqual([field["fieldname"] for field in ours["columns"][0]["fields"]], list(fields))
		frappe_crm.show_in_side_panel()
		self.assertEqual([section_names().count(name) for name in SECTIONS], [1, 1])

	def test_a_section_a_manager_removed_stays_removed_through_migrate(self):
		frappe_crm.show_in_side_panel()
		frappe_crm._change_side_panel(
			lambda layout: [section for section in layout if section.get("name") != FOLLOW_UP]
		)
		after_migrate()
		self.assertNotIn(FOLLOW_UP, section_names())
		self.assertIn(FORECAST, section_names())

	def test_uninstall_takes_away_only_the_apps_sections(self):
		frappe_crm.show_in_side_panel()
		others = [name for name in section_names() if name not in SECTIONS]
		frappe_crm._change_side_panel(without_app_sections)
		self.assertEqual(section_names(), others)

	def test_uninstall_finds_the_apps_fields_on_each_of_frappe_crms_doctypes(self):
		for doctype in frappe_crm.CUSTOMIZED_DOCTYPES:
			with self.subTest(doctype=doctype):
				fields = {field.fieldname for field in frappe_crm.app_fields(doctype)}
				self.assertTrue(fields)
				self.assertTrue(all(frappe.get_meta(doctype).has_field(field) for field in fields))
		self.assertIn("is_stalled", {field.fieldname for field in frappe_crm.app_fields("CRM Deal")})
