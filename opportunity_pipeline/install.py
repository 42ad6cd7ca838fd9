import frappe
from frappe.modules.utils import sync_customizations

from opportunity_pipeline.assignment import create_default_assignment_rule, delete_default_assignment_rule
from opportunity_pipeline.auto_close.settings import hand_back_to_erpnext, take_over_from_erpnext


def after_install():
	# Frappe syncs the app's custom fields only after this hook; the index needs lost_date now.
	sync_customizations("opportunity_pipeline")
	add_indexes()
	create_default_assignment_rule()
	take_over_from_erpnext()


def after_migrate():
	add_indexes()


def add_indexes():
	"""Losses are read by status and date (Lost Opportunity Analysis, its chart and card). The index also
	holds what the report sums and the company, so it answers without reading the table's rows."""
	frappe.db.add_index(
		"Opportunity",
		["status", "lost_date", "company", "opportunity_amount", "conversion_rate"],
		index_name="lost_opportunity_analysis_index",
	)


def before_uninstall():
	delete_default_assignment_rule()
	hand_back_to_erpnext()
