"""Every path that changes a tracked value writes exactly one history row; nothing else writes one."""

import frappe
from frappe.utils import add_days, now_datetime

from opportunity_pipeline.auto_close.job import close_idle_opportunities
from opportunity_pipeline.pipeline_history.backfill import backfill_history
from opportunity_pipeline.pipeline_history.record import STATE
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import (
	make_customer,
	make_opportunity,
	make_stage,
	make_stale_opportunity,
	make_user,
	set_auto_close,
	submitted_quotation,
)
from opportunity_pipeline.win_probability.apply import apply_stage_probabilities


def history(name, deleted=0) -> list:
	return frappe.get_all(
		STATE,
		filters={"opportunity": name, "deleted": deleted},
		fields=["*"],
		order_by="valid_from asc, name asc",
	)


class TestRecord(IntegrationTestCase):
	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def test_insert_writes_the_first_row(self):
		doc = make_opportunity(opportunity_amount=1000, currency="EUR", conversion_rate=1.5)
		rows = history(doc.name)
		self.assertEqual(len(rows), 1)
		self.assertIsNone(rows[0].valid_to)
		self.assertEqual((rows[0].status, rows[0].origin, rows[0].span_class), ("Open", "Recorded", 0))
		self.assertEqual(rows[0].amount, 1500)
		self.assertEqual(rows[0].company, doc.company)
		self.assertEqual(rows[0].changed_by, "Administrator")

	def test_a_save_that_changes_nothing_tracked_writes_nothing(self):
		doc = make_opportunity()
		doc.title = "Another title"
		doc.save()
		doc.save()
		self.assertEqual(len(history(doc.name)), 1)

	def test_each_tracked_change_writes_one_row_and_closes_the_last(self):
		make_stage("_OP History A", 20)
		make_stage("_OP History B", 60)
		doc = make_opportunity(sales_stage="_OP History A")
		doc.sales_stage = "_OP History B"
		doc.save()
		doc.expected_closing = add_days(now_datetime(), 40).date()
		doc.save()
		rows = history(doc.name)
		self.assertEqual(len(rows), 3)
		self.assertEqual(rows[0].valid_to, rows[1].valid_from)
		self.assertEqual(rows[1].valid_to, rows[2].valid_from)
		self.assertIsNone(rows[2].valid_to)
		self.assertEqual(
			[row.sales_stage for row in rows], ["_OP History A", "_OP History B", "_OP History B"]
		)
		self.assertEqual(float(rows[1].probability), 60)
		self.assertEqual((rows[1].left_stage, rows[1].stage_days), ("_OP History A", 0))
		self.assertEqual(rows[1].stage_since, rows[1].valid_from)
		self.assertEqual(rows[2].stage_since, rows[1].valid_from)
		self.assertIsNone(rows[2].left_stage)
		self.assertEqual(rows[0].span_class, 1)

	def test_db_set_writes_one_row(self):
		doc = make_opportunity()
		doc.db_set("status", "Replied")
		self.assertEqual([row.status for row in history(doc.name)], ["Open", "Replied"])

	def test_quotation_status_from_erpnext_writes_one_row(self):
		from opportunity_pipeline.tests.factories import make_opportunity_with_items

		doc = make_opportunity_with_items()
		submitted_quotation(doc)
		self.assertEqual([row.status for row in history(doc.name)], ["Open", "Quotation"])

	def test_auto_close_writes_one_row_per_opportunity(self):
		set_auto_close(days=10)
		name = make_stale_opportunity(status="Open")
		untouched = make_opportunity().name
		close_idle_opportunities(commit=False)
		self.assertEqual([row.status for row in history(name)], ["Open", "Closed"])
		self.assertEqual(len(history(untouched)), 1)

	def test_set_based_probability_writes_rows_only_where_it_changed(self):
		make_stage("_OP History C", 30)
		doc = make_opportunity(sales_stage="_OP History C")
		other = make_opportunity()
		frappe.db.set_value("Sales Stage", "_OP History C", "probability", 45)
		apply_stage_probabilities()
		self.assertEqual([float(row.probability) for row in history(doc.name)], [30, 45])
		self.assertEqual(len(history(other.name)), 1)

	def test_deleting_closes_the_last_row(self):
		doc = make_opportunity()
		row = history(doc.name)[0].name
		frappe.delete_doc("Opportunity", doc.name)
		self.assertEqual(history(doc.name), [])
		self.assertEqual(frappe.db.get_value(STATE, row, ["deleted", "valid_to"])[0], 1)
		self.assertIsNotNone(frappe.db.get_value(STATE, row, "valid_to"))
		again = make_opportunity()  # Frappe gives the last name of a series back when it is deleted
		self.assertEqual(again.name, doc.name)
		self.assertEqual([row.valid_to for row in history(again.name)], [None])

	def test_data_import_writes_one_row(self):
		"""Frappe's Data Import inserts each row through Document.insert: the same on_change."""
		from frappe.core.doctype.data_import.importer import Importer

		customer = make_customer()
		company = frappe.db.get_single_value("Global Defaults", "default_company")
		csv = f"Opportunity From,Party,Company\nCustomer,{customer},{company}\n"
		file = frappe.get_doc(
			{"doctype": "File", "file_name": "_op_history_import.csv", "content": csv, "is_private": 1}
		).insert()
		data_import = frappe.get_doc(
			{
				"doctype": "Data Import",
				"reference_doctype": "Opportunity",
				"import_type": "Insert New Records",
				"import_file": file.file_url,
			}
		).insert()
		before = frappe.get_all("Opportunity", pluck="name")
		Importer("Opportunity", data_import=data_import, console=True).import_data()
		(imported,) = set(frappe.get_all("Opportunity", pluck="name")) - set(before)
		self.assertEqual([row.status for row in history(imported)], ["Open"])
		frappe.delete_doc("Opportunity", imported)
		frappe.delete_doc("Data Import", data_import.name)
		frappe.db.commit()  # the import committed its row

	def test_users_cannot_write_history(self):
		doc = make_opportunity()
		frappe.set_user(make_user("_op_history_manager@example.com", roles=("Sales Manager",)))
		row = frappe.get_doc(STATE, history(doc.name)[0].name)
		row.status = "Converted"
		self.assertRaises(frappe.PermissionError, row.save)

	def test_backfill_matches_what_recording_writes(self):
		"""The same changes, recorded live and read back from Versions, give the same rows."""
		make_stage("_OP History A", 20)
		make_stage("_OP History B", 60)
		doc = make_opportunity(sales_stage="_OP History A", opportunity_amount=100)
		doc.sales_stage = "_OP History B"
		doc.save(ignore_version=False)  # tests skip Versions unless asked
		doc.opportunity_amount = 300
		doc.save(ignore_version=False)
		recorded = history(doc.name)
		frappe.db.delete(STATE, {"opportunity": doc.name})
		self.assertEqual(backfill_history(commit=False), 1)
		rebuilt = history(doc.name)
		fields = ("status", "sales_stage", "amount", "probability", "left_stage", "stage_days", "span_class")
		self.assertEqual(
			[tuple(r[f] for f in fields) for r in rebuilt], [tuple(r[f] for f in fields) for r in recorded]
		)
		self.assertEqual({row.origin for row in rebuilt}, {"Reconstructed from Versions"})
		self.assertEqual(backfill_history(commit=False), 0)
