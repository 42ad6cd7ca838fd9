"""Sites that had the app before forecast categories: every opportunity, and every deal where Frappe CRM
is installed, in the category its status and stage give it."""

from frappe.modules.utils import sync_customizations

from opportunity_pipeline.install import fill_forecast_categories


def execute():
	sync_customizations("opportunity_pipeline")  # post_model_sync patches run before Frappe syncs them
	fill_forecast_categories()
