"""The dry run of the move to Frappe CRM and its status table (skipped where Frappe CRM is not installed):
what it would make of each record, and each record it cannot move, with why; nothing written."""

import unittest

import frappe
from frappe.utils import add_to_date, now_datetime

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.crm_move.dry_run import dry_run_move_to_frappe_crm
from opportunity_pipeline.crm_move.settings import SETTINGS, status_map
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import (
	deal_status_of_type,
	make_customer,
	make_lead,
	make_opportunity,
	make_user,
)

RECORD = "Pipeline Move Record"


def reasons_of(report, doctype, name):
	return next(
		(row["reasons"] for row in report["problems"] if (row["doctype"], row["name"]) == (doctype, name)),
		None,
	)


def set_table(**chosen):
	"""The status table as suggested, with `chosen` (opportunity status -> deal status) over it."""
	settings = frappe.get_single(SETTINGS)
	settings.statuses = []
	for status, deal_status in {**status_map(settings), **chosen}.items():
		settings.append("statuses", {"opportunity_status": status, "deal_status": deal_status})
	settings.save()
	return settings


@unittest.skipUnless(frappe_crm.installed(), "Frappe CRM is not installed on this site")
class TestDryRun(IntegrationTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		set_table()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def test_each_record_that_cannot_move_is_listed_with_why_and_the_rest_counted(self):
		set_table(Closed=None)
		before = dry_run_move_to_frappe_crm()["records"]["Opportunity"]
		sound = make_opportunity()
		gone = make_opportunity(party_name=make_customer("_OP Move Gone Customer"))
		frappe.db.delete("Customer", "_OP Move Gone Customer")  # deleted behind the link check
		company_currency = frappe.get_cached_value("Company", sound.company, "default_currency")
		foreign = "EUR" if company_currency != "EUR" else "USD"
		no_rate = make_opportunity(currency=foreign)
		frappe.db.set_value("Opportunity", no_rate.name, "conversion_rate", 0)
		closed = make_opportunity()
		frappe.db.set_value("Opportunity", closed.name, "status", "Closed")
		set_table(Closed=None)

		report = dry_run_move_to_frappe_crm()

		self.assertIsNone(reasons_of(report, "Opportunity", sound.name))
		self.assertEqual(
			reasons_of(report, "Opportunity", gone.name),
			["Its Customer _OP Move Gone Customer no longer exists."],
		)
		self.assertEqual(
			reasons_of(report, "Opportunity", no_rate.name),
			[f"Its currency {foreign} has no exchange rate to {company_currency}."],
		)
		self.assertEqual(
			reasons_of(report, "Opportunity", closed.name),
			["Its status Closed becomes no CRM Deal Status in the table."],
		)
		after = report["records"]["Opportunity"]
		self.assertEqual((after["create"] - before["create"], after["cannot"] - before["cannot"]), (1, 3))
		self.assertGreaterEqual(report["records"]["Customer"]["create"], 1)
		closed_row = next(row for row in report["statuses"] if row["opportunity_status"] == "Closed")
		self.assertEqual(
			(closed_row["deal_status"], closed_row["problem"]),
			(None, "No CRM Deal Status chosen: its opportunities do not move."),
		)

	def test_a_lead_converted_in_frappe_crm_already_is_listed_with_its_opportunities(self):
		lead = make_lead("Grace")
		frappe.db.set_value("Lead", lead, "email_id", "grace.move@example.com")
		frappe.get_doc(
			{
				"doctype": "CRM Lead",
				"first_name": "Grace",
				"email": "grace.move@example.com",
				"status": "New",
				"converted": 1,
			}
		).insert()
		opportunity = make_opportunity(opportunity_from="Lead", party_name=lead)

		report = dry_run_move_to_frappe_crm()

		self.assertEqual(reasons_of(report, "Lead", lead), ["Already converted in Frappe CRM (same e-mail)."])
		self.assertEqual(
			reasons_of(report, "Opportunity", opportunity.name),
			[f"Its lead {lead} was already converted in Frappe CRM (same e-mail)."],
		)

	def test_a_second_run_would_move_only_what_changed_since(self):
		unchanged, changed = make_opportunity(), make_opportunity()
		for doc in (unchanged, changed):
			frappe.get_doc(
				{
					"doctype": RECORD,
					"source_doctype": "Opportunity",
					"source_name": doc.name,
					"source_modified": doc.modified,
					"target_doctype": "CRM Deal",
					"target_name": "CRM-DEAL-MOVED",
					"moved_on": now_datetime(),
				}
			).db_insert()
		before = dry_run_move_to_frappe_crm()["records"]["Opportunity"]
		frappe.db.set_value("Opportunity", changed.name, "modified", add_to_date(changed.modified, minutes=5))
		after = dry_run_move_to_frappe_crm()["records"]["Opportunity"]
		self.assertEqual((after["update"] - before["update"], after["skip"] - before["skip"]), (1, -1))

	def test_it_writes_nothing(self):
		make_opportunity()
		counts = {
			doctype: frappe.db.count(doctype)
			for doctype in ("CRM Deal", "CRM Lead", "CRM Organization", RECORD)
		}
		dry_run_move_to_frappe_crm()
		self.assertEqual({doctype: frappe.db.count(doctype) for doctype in counts}, counts)

	def test_only_a_system_manager_may_run_it(self):
		frappe.set_user(make_user("op-move-sales@example.com", roles=("Sales Manager",)))
		with self.assertRaises(frappe.PermissionError):
			dry_run_move_to_frappe_crm()

	def test_a_system_manager_whose_customers_are_restricted_may_not_run_it(self):
		"""It names every opportunity and party: a user who may read only some customers would see the
		others'."""
		manager = make_user("op-move-restricted@example.com", roles=("System Manager", "Sales Manager"))
		frappe.get_doc(
			{"doctype": "User Permission", "user": manager, "allow": "Customer", "for_value": make_customer()}
		).insert()
		frappe.set_user(manager)
		with self.assertRaisesRegex(frappe.PermissionError, "The move reads every Customer"):
			dry_run_move_to_frappe_crm()


@unittest.skipUnless(frappe_crm.installed(), "Frappe CRM is not installed on this site")
class TestStatusTable(IntegrationTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def test_it_suggests_a_status_of_the_right_type_for_each_opportunity_status(self):
		settings = frappe.get_single(SETTINGS)
		settings.statuses = []
		settings.run_method("onload")
		chosen = {row.opportunity_status: row.deal_status for row in settings.statuses}
		self.assertEqual(chosen["Converted"], deal_status_of_type("Won"))
		self.assertEqual(chosen["Lost"], deal_status_of_type("Lost"))
		self.assertEqual(len(chosen), 6)

	def test_a_status_of_the_wrong_type_or_none_such_is_refused(self):
		with self.assertRaisesRegex(frappe.ValidationError, "may become one of type Won"):
			set_table(Converted=deal_status_of_type("Lost"))
		with self.assertRaises(frappe.LinkValidationError):  # Frappe's own check of the link
			set_table(Open="_OP No Such Status")

	def test_a_row_pointing_its_link_at_another_doctype_is_refused(self):
		"""Frappe checks a Dynamic Link against the DocType the row names, which a client may forge."""
		settings = frappe.get_single(SETTINGS)
		settings.statuses = []
		settings.append(
			"statuses",
			{"opportunity_status": "Open", "deal_status_doctype": "User", "deal_status": "Administrator"},
		)
		with self.assertRaisesRegex(frappe.ValidationError, "there is no CRM Deal Status"):
			settings.save()

	def test_a_status_left_empty_is_allowed(self):
		settings = set_table(Closed=None)
		self.assertEqual(
			{row.opportunity_status: row.deal_status for row in settings.statuses}["Closed"], None
		)
