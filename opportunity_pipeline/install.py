import frappe
from frappe.modules.utils import sync_customizations

from opportunity_pipeline import document_types, frappe_crm
from opportunity_pipeline.auto_close.job import IDLE_INDEX
from opportunity_pipeline.auto_close.settings import (
	give_settings_their_tab,
	hand_back_to_erpnext,
	take_over_from_erpnext,
)
from opportunity_pipeline.follow_up.assignment import (
	create_default_assignment_rule,
	delete_default_assignment_rule,
)
from opportunity_pipeline.forecast.kanban import delete_sales_stage_board, ensure_sales_stage_board
from opportunity_pipeline.forecast.stages import set_default_stage_probabilities
from opportunity_pipeline.forecast_category.category import fill_categories
from opportunity_pipeline.lost.summary import LOSSES_INDEX
from opportunity_pipeline.opportunity_pipeline.doctype.opportunity_pipeline_state.opportunity_pipeline_state import (
	on_doctype_update as ensure_history_indexes,
)
from opportunity_pipeline.patches.v15_0 import fill_converted_on, fill_lost_date
from opportunity_pipeline.permissions import PERMISSION_COLUMNS, PERMISSION_INDEX
from opportunity_pipeline.pipeline_health.settings import save_defaults as save_pipeline_health_defaults
from opportunity_pipeline.pipeline_history.backfill import backfill_history
from opportunity_pipeline.sql import ensure_index
from opportunity_pipeline.team_forecast.settings import save_defaults as save_team_forecast_defaults
from opportunity_pipeline.win_probability.settings import save_defaults as save_win_probability_defaults


def after_install():
	# Frappe syncs the app's custom fields only after this hook; the index needs lost_date now.
	sync_customizations("opportunity_pipeline")
	add_indexes()
	create_default_assignment_rule()
	take_over_from_erpnext()
	give_settings_their_tab()
	set_up_forecast()
	date_past_outcomes()
	save_win_probability_defaults()
	save_pipeline_health_defaults()
	save_team_forecast_defaults()
	frappe_crm.set_up()
	frappe_crm.show_in_side_panel()
	frappe_crm.add_deal_form_script()
	frappe_crm.add_stalled_deal_views()
	frappe_crm.start_deal_history()
	frappe_crm.date_deal_losses()
	fill_forecast_categories()
	backfill_history()


def fill_forecast_categories():
	"""Every opportunity, and every deal where Frappe CRM is installed, in its forecast category."""
	for document in document_types.available():
		fill_categories(document)


def date_past_outcomes():
	"""Losses and wins from before the app get their dates from history now: install marks every patch
	as done, and an unrelated save must never stamp an old loss "now"."""
	fill_lost_date.execute()
	fill_converted_on.execute()


def after_migrate():
	add_indexes()
	ensure_history_indexes()
	set_up_forecast()
	give_settings_their_tab()
	save_win_probability_defaults()
	save_pipeline_health_defaults()
	save_team_forecast_defaults()
	frappe_crm.set_up()


def set_up_forecast():
	set_default_stage_probabilities()
	ensure_sales_stage_board()


# (DocType, index, columns). Each lets a report answer from the index without reading table rows.
INDEXES = (
	# Losses by status and date, with what the Lost Opportunity Analysis sums, and the fields the
	# commonest row restrictions read (territory by User Permission, owner by If Owner).
	(
		"Opportunity",
		LOSSES_INDEX,
		["status", "lost_date", "company", "opportunity_amount", "conversion_rate", "territory", "owner"],
	),
	# The losses summary's months, read by company and dimension, with what a report without filters
	# sums: where losses vary by owner, source and the rest, the summary holds about a row per loss.
	(
		"Opportunity Loss Summary",
		"loss_summary_month_index",
		["company", "dimension", "month", "value", "losses", "amount"],
	),
	# Each loss's reasons and competitors, read by parent.
	(
		"Opportunity Lost Reason Detail",
		"lost_reason_by_opportunity_index",
		["parent", "parenttype", "lost_reason", "idx"],
	),
	("Competitor Detail", "competitor_by_opportunity_index", ["parent", "parenttype", "competitor"]),
	# Open opportunities by company and expected closing, with what the forecast sums and groups by:
	# two indexes, as all five groupings exceed InnoDB's 3072-byte key; both hold the territory, which a
	# territory-restricted user's condition reads.
	(
		"Opportunity",
		"pipeline_forecast_index",
		[
			"status",
			"company",
			"expected_closing",
			"sales_stage",
			"territory",
			"opportunity_type",
			"opportunity_amount",
			"conversion_rate",
			"probability",
		],
	),
	(
		"Opportunity",
		"pipeline_forecast_by_user_index",
		[
			"status",
			"company",
			"expected_closing",
			"opportunity_owner",
			"converted_by",
			"opportunity_amount",
			"conversion_rate",
			"probability",
			"territory",
		],
	),
	# Open opportunities by company and expected closing, with each owner's forecast category and what
	# the Forecast Grid sums (team_forecast.figures.pipeline), and the territory.
	(
		"Opportunity",
		"team_forecast_index",
		[
			"status",
			"company",
			"expected_closing",
			"opportunity_owner",
			"forecast_category",
			"opportunity_amount",
			"conversion_rate",
			"probability",
			"territory",
		],
	),
	# Open opportunities by Next Contact Date: what the digest and api.pipeline_health list as due
	# today, overdue or without a next step read only those rows, a territory-restricted user's too.
	(
		"Opportunity",
		"follow_up_by_date_index",
		["status", "contact_date", "company", "opportunity_owner", "contact_by", "creation", "territory"],
	),
	# The stalled ones, with what Follow-up Discipline sums of them.
	(
		"Opportunity",
		"stalled_index",
		[
			"is_stalled",
			"status",
			"company",
			"opportunity_owner",
			"contact_by",
			"territory",
			"opportunity_amount",
			"conversion_rate",
		],
	),
	# Open opportunities by last change: what the auto-close and its preview read, oldest first, with
	# what the commonest row restrictions read, so a restricted user's preview reads no table row.
	("Opportunity", IDLE_INDEX, ["status", "modified", *PERMISSION_COLUMNS[1:]]),
	# Each opportunity's name with what the commonest row restrictions read (company and territory by User
	# Permission, owner by If Owner): a history report joins every row it reads to its opportunity's
	# permissions, through this narrow index rather than the table (permissions.join_readable).
	("Opportunity", PERMISSION_INDEX, PERMISSION_COLUMNS),
	# Wins by company and Converted On, with what Forecast Accuracy sums and groups by, and the territory
	# a territory-restricted user's condition reads.
	(
		"Opportunity",
		"won_by_conversion_date_index",
		[
			"status",
			"company",
			"converted_on",
			"opportunity_owner",
			"opportunity_amount",
			"conversion_rate",
			"territory",
		],
	),
)


# Indexes of earlier versions, replaced by one above.
OBSOLETE_INDEXES = (("Opportunity", "lost_opportunity_analysis_index"),)


def add_indexes():
	for doctype, index_name in OBSOLETE_INDEXES:
		_drop_index(doctype, index_name)
	for doctype, index_name, columns in INDEXES:
		ensure_index(doctype, index_name, columns)


def drop_indexes():
	"""Uninstall: the app's indexes on ERPNext's tables (its own tables go with their DocTypes)."""
	for doctype, index_name, _columns in INDEXES:
		_drop_index(doctype, index_name)


def _drop_index(doctype: str, index_name: str):
	if frappe.db.table_exists(doctype) and frappe.db.has_index(f"tab{doctype}", index_name):
		frappe.db.sql_ddl(f"alter table `tab{doctype}` drop index `{index_name}`")


def before_uninstall():
	delete_default_assignment_rule()
	delete_sales_stage_board()
	hand_back_to_erpnext()
	drop_indexes()
	delete_scheduled_jobs()
	delete_desk_navigation()
	delete_settings_values()
	frappe_crm.delete_customizations()
	delete_digest_marks()


def after_uninstall():
	drop_history_sequence()


def drop_history_sequence():
	"""Frappe drops the table of the app's autoincrement DocType on uninstall, not the sequence that names
	its rows."""
	sequence = frappe.scrub("Opportunity Pipeline State_id_seq")
	frappe.db.sql_ddl(
		f"drop sequence if exists `{sequence}`"
		if frappe.db.db_type == "mariadb"
		else f'drop sequence if exists "{sequence}"'
	)


def delete_settings_values():
	"""The values of the app's Selling Settings fields: Frappe deletes the custom fields on uninstall but
	keeps their values in Singles, which a later install would then read as a manager's choice."""
	fields = frappe.get_all(
		"Custom Field", {"dt": "Selling Settings", "module": "Opportunity Pipeline"}, pluck="fieldname"
	)
	if fields:
		frappe.db.delete("Singles", {"doctype": "Selling Settings", "field": ("in", fields)})


def delete_digest_marks():
	"""The day each user last got the follow-up digest, kept in their defaults (pipeline_health/digest.py)."""
	from opportunity_pipeline.pipeline_health.digest import SENT_ON

	frappe.db.delete("DefaultValue", {"defkey": SENT_ON})


def delete_desk_navigation():
	"""Frappe 16's Desktop Icon and Workspace Sidebar of the app (synced from desktop_icon/ and
	workspace_sidebar/; Frappe 15 has neither)."""
	for doctype in ("Desktop Icon", "Workspace Sidebar"):
		if frappe.db.table_exists(doctype) and frappe.get_meta(doctype).has_field("app"):
			for name in frappe.get_all(doctype, filters={"app": "opportunity_pipeline"}, pluck="name"):
				frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)


def delete_scheduled_jobs():
	"""Frappe's uninstall keeps an app's Scheduled Job Types, whose methods no longer import after it."""
	frappe.db.delete("Scheduled Job Type", {"method": ("like", "opportunity_pipeline.%")})
