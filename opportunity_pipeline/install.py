import frappe
from frappe.modules.utils import sync_customizations

from opportunity_pipeline.assignment import create_default_assignment_rule, delete_default_assignment_rule
from opportunity_pipeline.auto_close.settings import hand_back_to_erpnext, take_over_from_erpnext
from opportunity_pipeline.forecast.kanban import delete_sales_stage_board, ensure_sales_stage_board
from opportunity_pipeline.forecast.stages import set_default_stage_probabilities


def after_install():
	# Frappe syncs the app's custom fields only after this hook; the index needs lost_date now.
	sync_customizations("opportunity_pipeline")
	add_indexes()
	create_default_assignment_rule()
	take_over_from_erpnext()
	set_up_forecast()


def after_migrate():
	add_indexes()
	set_up_forecast()


def set_up_forecast():
	set_default_stage_probabilities()
	ensure_sales_stage_board()


def add_indexes():
	"""Losses are read by status and date (Lost Opportunity Analysis, its chart and card). The index also
	holds what the report sums and the company, so it answers without reading the table's rows."""
	frappe.db.add_index(
		"Opportunity",
		["status", "lost_date", "company", "opportunity_amount", "conversion_rate"],
		index_name="lost_opportunity_analysis_index",
	)
	# The forecast reads open opportunities by company and expected closing, and sums per sales stage.
	frappe.db.add_index(
		"Opportunity",
		[
			"status",
			"company",
			"expected_closing",
			"sales_stage",
			"opportunity_amount",
			"conversion_rate",
			"probability",
		],
		index_name="pipeline_forecast_index",
	)


def before_uninstall():
	delete_default_assignment_rule()
	delete_sales_stage_board()
	hand_back_to_erpnext()
