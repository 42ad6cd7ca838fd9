import re

import frappe
from frappe.utils import add_days, get_datetime, now_datetime, nowdate

from erpnext.setup.utils import get_exchange_rate

from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.setup import OFFLINE_EXCHANGE_RATES


class TestInstallation(IntegrationTestCase):
	def test_app_is_installed_after_erpnext(self):
		apps = frappe.get_installed_apps()
		self.assertIn("opportunity_pipeline", apps)
		self.assertLess(apps.index("erpnext"), apps.index("opportunity_pipeline"))

	def test_module_is_registered_to_the_app(self):
		self.assertEqual(
			frappe.db.get_value("Module Def", "Opportunity Pipeline", "app_name"), "opportunity_pipeline"
		)

	def test_every_hook_of_the_app_resolves(self):
		hooks = frappe.get_hooks(app_name="opportunity_pipeline")
		self.assertEqual(hooks["required_apps"], ["erpnext"])
		for dotted in set(re.findall(r'"(opportunity_pipeline\.[\w.]+)"', frappe.as_json(hooks))):
			self.assertTrue(callable(frappe.get_attr(dotted)), dotted)

	def test_exchange_rates_are_available_offline(self):
		# ERPNext's own test records add later rates for some pairs; before them, ours apply.
		for (from_currency, to_currency), rate in OFFLINE_EXCHANGE_RATES.items():
			self.assertAlmostEqual(get_exchange_rate(from_currency, to_currency, "2001-01-01"), rate)
			self.assertAlmostEqual(get_exchange_rate(to_currency, from_currency, "2001-01-01"), 1 / rate, 6)
			self.assertGreater(get_exchange_rate(from_currency, to_currency, nowdate()), 0)

	def test_install_dates_past_losses_and_wins_so_no_later_save_stamps_them_now(self):
		from opportunity_pipeline.install import date_past_outcomes
		from opportunity_pipeline.tests.factories import make_opportunity

		long_ago = add_days(now_datetime(), -300).replace(microsecond=0)
		names = {}
		for status in ("Lost", "Converted"):
			names[status] = make_opportunity().name
			frappe.db.set_value(
				"Opportunity",
				names[status],
				{"status": status, "lost_date": None, "converted_on": None, "modified": long_ago},
				update_modified=False,
			)
		# A Version of a deleted namesake (the series handed its number back): not this opportunity's loss.
		namesake = frappe.get_doc(
			{
				"doctype": "Version",
				"ref_doctype": "Opportunity",
				"docname": names["Lost"],
				"data": frappe.as_json({"changed": [["status", "Open", "Lost"]]}),
			}
		).insert(ignore_permissions=True)
		frappe.db.set_value(
			"Version", namesake.name, "creation", add_days(long_ago, -100), update_modified=False
		)
		try:
			date_past_outcomes()  # what after_install runs: install marks every patch as done
			self.assertEqual(
				get_datetime(frappe.db.get_value("Opportunity", names["Lost"], "lost_date")), long_ago
			)
			self.assertEqual(
				get_datetime(frappe.db.get_value("Opportunity", names["Converted"], "converted_on")), long_ago
			)
		finally:
			frappe.db.rollback()

	def test_french_translation_of_the_module_name(self):
		frappe.local.lang = "fr"
		try:
			self.assertEqual(frappe._("Opportunity Pipeline"), "Pipeline des opportunités")
		finally:
			frappe.local.lang = "en"

	def test_migrate_rebuilds_an_index_an_earlier_version_built_with_other_columns(self):
		"""frappe.db.add_index keeps an index of the same name whatever its columns: a site that installed
		an earlier version would keep reading the old one. after_migrate builds it again."""
		from opportunity_pipeline.install import INDEXES, after_migrate
		from opportunity_pipeline.opportunity_pipeline.doctype.opportunity_pipeline_state import (
			opportunity_pipeline_state as history,
		)
		from opportunity_pipeline.pipeline_history.record import STATE

		every = [*INDEXES, *((STATE, name, columns) for name, columns in history.INDEXES)]
		for changed in ("stalled_index", "state_by_expected_closing"):
			doctype, name, columns = next(index for index in every if index[1] == changed)
			frappe.db.sql_ddl(f"alter table `tab{doctype}` drop index `{name}`")
			frappe.db.add_index(doctype, columns[:-1], index_name=name)  # as an earlier version built it
		after_migrate()
		for doctype, name, columns in every:
			indexed = frappe.db.sql(f"show index from `tab{doctype}` where Key_name = %s", name, as_dict=True)
			self.assertEqual([row.Column_name for row in indexed], columns, name)
