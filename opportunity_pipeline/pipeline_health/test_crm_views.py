"""The app's public views of stalled deals in Frappe CRM's own list and kanban (/crm), read through Frappe
CRM's own view and data API as its pages read them (skipped where Frappe CRM is not installed)."""

import json
import unittest
from datetime import datetime, timedelta

import frappe

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.install import after_migrate
from opportunity_pipeline.pipeline_health.crm_views import KANBAN_LABEL, LABEL, STALLED_FIELD
from opportunity_pipeline.pipeline_health.deals import refresh_daily
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import make_crm_territory, make_deal_status, make_user

SALES_USER = "op-crm-views@example.com"


def app_views() -> list[str]:
	return json.loads(frappe.db.get_global(frappe_crm.STALLED_VIEWS_MADE) or "[]")


def shown(view_name: str) -> dict:
	"""What Frappe CRM's deal page (Deals.vue through ViewControls.vue) asks for a saved view, and gets."""
	from crm.api.doc import get_data

	view = frappe.get_doc("CRM View Settings", view_name)
	return get_data(
		doctype=view.dt,
		filters=json.loads(view.filters),
		order_by=view.order_by,
		columns=view.columns,
		rows=view.rows,
		column_field=view.column_field,
		title_field=view.title_field,
		kanban_columns=view.kanban_columns,
		kanban_fields=view.kanban_fields,
		view={"custom_view_name": view.name, "view_type": view.type},
	)


@unittest.skipUnless(frappe_crm.installed(), "Frappe CRM is not installed on this site")
class TestStalledDealViews(IntegrationTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		self.slow = make_deal_status("_OP Views Slow", "Ongoing")
		frappe.db.set_value("CRM Deal Status", self.slow, "stalled_after_days", 3)
		self.north, self.south = make_crm_territory("_OP Views North"), make_crm_territory("_OP Views South")
		make_user(SALES_USER)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def deal(self, days_in_status: int, territory: str) -> str:
		deal = frappe.get_doc({"doctype": "CRM Deal", "status": self.slow, "territory": territory}).insert()
		log = frappe.qb.DocType("CRM Status Change Log")
		frappe.qb.update(log).set(log.from_date, datetime.now() - timedelta(days=days_in_status)).where(
			(log.parent == deal.name) & (log.to.isnull() | (log.to == ""))
		).run()
		return deal.name

	def views_by_type(self) -> dict:
		return {
			view.type: view
			for view in frappe.get_all("CRM View Settings", {"name": ("in", app_views())}, ["*"])
		}

	def test_install_made_a_public_list_and_kanban_every_user_finds(self):
		from crm.api.views import get_views

		frappe.set_user(SALES_USER)
		found = {view.name: view for view in get_views("CRM Deal") if view.name in app_views()}
		self.assertEqual(sorted(view.type for view in found.values()), ["kanban", "list"])
		self.assertEqual(
			{view.type: view.label for view in found.values()}, {"list": LABEL, "kanban": KANBAN_LABEL}
		)
		self.assertTrue(all(view.public for view in found.values()))

	def test_the_list_shows_the_stalled_deals_a_user_may_read_with_the_flag(self):
		stalled_north, stalled_south = self.deal(5, self.north), self.deal(5, self.south)
		moving = self.deal(1, self.north)
		refresh_daily()
		frappe.get_doc(
			{
				"doctype": "User Permission",
				"user": SALES_USER,
				"allow": "CRM Territory",
				"for_value": self.north,
			}
		).insert()
		frappe.set_user(SALES_USER)
		data = shown(self.views_by_type()["list"].name)
		names = {row["name"] for row in data["data"]}
		self.assertIn(stalled_north, names)
		self.assertNotIn(moving, names)
		self.assertNotIn(stalled_south, names)
		self.assertIn(
			{"key": STALLED_FIELD, "type": "Check"},
			[{"key": column["key"], "type": column["type"]} for column in data["columns"]],
		)
		self.assertTrue(all(row[STALLED_FIELD] == 1 for row in data["data"]))

	def test_the_kanban_puts_each_stalled_deal_in_its_status_column(self):
		stalled, moving = self.deal(5, self.north), self.deal(1, self.north)
		refresh_daily()
		columns = {
			group["column"]["name"]: group for group in shown(self.views_by_type()["kanban"].name)["data"]
		}
		# The column of a status made after the views: Frappe CRM draws one per status when it is opened.
		names = [row["name"] for row in columns[self.slow]["data"]]
		self.assertIn(stalled, names)
		self.assertNotIn(moving, names)
		self.assertIn("contact_date", columns[self.slow]["fields"])

	def test_views_a_manager_deleted_stay_deleted_through_migrate(self):
		for name in app_views():
			frappe.delete_doc("CRM View Settings", name)
		after_migrate()
		frappe_crm.add_stalled_deal_views()
		self.assertFalse(frappe.get_all("CRM View Settings", {"label": ("in", [LABEL, KANBAN_LABEL])}))

	def test_uninstall_takes_the_views_away(self):
		made = app_views()
		self.assertEqual(len(made), 2)
		# What the uninstall does of them (the rest of it, whose DDL commits, runs in check-install-cycle).
		frappe_crm._delete_stalled_deal_views()
		self.assertFalse(frappe.get_all("CRM View Settings", {"name": ("in", made)}))
		self.assertEqual(app_views(), [])
