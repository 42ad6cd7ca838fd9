app_name = "opportunity_pipeline"
app_title = "Opportunity Pipeline"
app_publisher = "opportunity_pipeline contributors"
app_description = "The complete opportunity sales pipeline for ERPNext"
app_email = "dev@opportunity-pipeline.invalid"
app_license = "GPL-3.0"

required_apps = ["erpnext"]

after_install = "opportunity_pipeline.install.after_install"
before_uninstall = "opportunity_pipeline.install.before_uninstall"
after_uninstall = "opportunity_pipeline.install.after_uninstall"
after_migrate = "opportunity_pipeline.install.after_migrate"
after_app_install = "opportunity_pipeline.frappe_crm.after_app_install"
before_app_uninstall = "opportunity_pipeline.frappe_crm.before_app_uninstall"

doc_events = {
	"Opportunity": {
		"onload": "opportunity_pipeline.overrides.opportunity.onload",
		"before_insert": "opportunity_pipeline.overrides.opportunity.before_insert",
		"validate": "opportunity_pipeline.overrides.opportunity.validate",
		"on_change": "opportunity_pipeline.overrides.opportunity.on_change",
		"on_trash": "opportunity_pipeline.overrides.opportunity.on_trash",
	},
	"Sales Stage": {
		"before_insert": "opportunity_pipeline.forecast.stages.fill_stage_defaults",
		"after_insert": "opportunity_pipeline.forecast.kanban.add_stage_column",
		"after_rename": "opportunity_pipeline.forecast.kanban.rename_stage_column",
		"on_trash": "opportunity_pipeline.forecast.kanban.remove_stage_column",
		"on_update": [
			"opportunity_pipeline.pipeline_health.stalled.stage_changed",
			"opportunity_pipeline.forecast_category.category.on_stage_update",
		],
	},
	"ToDo": {
		"after_insert": "opportunity_pipeline.follow_up.assignment.assignee_follows_up",
	},
	"Event": {
		"on_update": "opportunity_pipeline.follow_up.calendar.follow_calendar_edit",
	},
	"Assignment Rule": {
		"validate": "opportunity_pipeline.follow_up.assignment.fill_users_when_enabled",
	},
	"Quotation": {
		"on_submit": "opportunity_pipeline.overrides.quotation.on_submit",
		"on_cancel": "opportunity_pipeline.overrides.quotation.on_cancel",
		"on_update_after_submit": "opportunity_pipeline.overrides.quotation.on_update_after_submit",
	},
	"CRM Deal": {
		"before_validate": "opportunity_pipeline.overrides.crm_deal.before_validate",
		"validate": "opportunity_pipeline.overrides.crm_deal.validate",
		"before_save": "opportunity_pipeline.overrides.crm_deal.before_save",
		"on_change": "opportunity_pipeline.overrides.crm_deal.on_change",
		"on_trash": "opportunity_pipeline.overrides.crm_deal.on_trash",
	},
	"CRM Deal Status": {
		"on_update": [
			"opportunity_pipeline.pipeline_health.deals.status_changed",
			"opportunity_pipeline.forecast_category.category.on_stage_update",
		],
	},
	"FCRM Settings": {
		"validate": [
			"opportunity_pipeline.auto_close.deals.validate_settings",
			"opportunity_pipeline.quotation.deal_status.validate_settings",
		],
	},
	"Sales Order": {
		"on_submit": "opportunity_pipeline.overrides.sales_order.on_submit",
	},
	"Opportunity Lost Reason": {
		"on_update": "opportunity_pipeline.lost.summary.mark_all_stale",
		"after_rename": "opportunity_pipeline.lost.summary.mark_all_stale",
	},
	"Selling Settings": {
		"validate": "opportunity_pipeline.auto_close.settings.validate",
		"on_update": "opportunity_pipeline.win_probability.job.settings_changed",
	},
}

scheduler_events = {
	"hourly": ["opportunity_pipeline.follow_up.reminder.send_due_reminders"],
	"daily_long": [
		"opportunity_pipeline.auto_close.job.close_idle_opportunities",
		"opportunity_pipeline.auto_close.deals.close_idle_deals",
		"opportunity_pipeline.win_probability.job.learn_all",
		"opportunity_pipeline.pipeline_health.digest.daily_health",
	],
}

# The learned win factors count every closed opportunity: only users whom nothing restricts read them.
# The pipeline history: the rows of the opportunities the user may read.
permission_query_conditions = {
	"Opportunity Win Factor": "opportunity_pipeline.win_probability.permissions.query_conditions",
	"Opportunity Pipeline State": "opportunity_pipeline.pipeline_history.permissions.query_conditions",
}
has_permission = {
	"Opportunity Win Factor": "opportunity_pipeline.win_probability.permissions.has_permission",
	"Opportunity Pipeline State": "opportunity_pipeline.pipeline_history.permissions.has_permission",
}

# Deleting an opportunity ends its history; the history does not keep it from being deleted.
ignore_links_on_delete = ["Opportunity Pipeline State"]

override_whitelisted_methods = {
	"erpnext.crm.doctype.opportunity.opportunity.make_quotation": "opportunity_pipeline.api.make_quotation",
	"erpnext.crm.doctype.opportunity.opportunity.make_supplier_quotation": (
		"opportunity_pipeline.api.make_supplier_quotation"
	),
}

# The pipeline reports' document-type filters, shared by their scripts.
app_include_js = ["/assets/opportunity_pipeline/js/report_filters.js"]

doctype_list_js = {"Opportunity": "public/js/opportunity_list.js"}

doctype_js = {
	"Opportunity": "public/js/opportunity.js",
	"Selling Settings": "public/js/selling_settings.js",
	"FCRM Settings": "public/js/fcrm_settings.js",
}

boot_session = "opportunity_pipeline.boot.boot_session"

before_tests = ["opportunity_pipeline.tests.setup.before_tests"]
