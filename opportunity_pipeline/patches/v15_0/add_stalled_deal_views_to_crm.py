"""Sites that had the app and Frappe CRM before /crm had the app's views of stalled deals: the views,
once."""

from opportunity_pipeline.frappe_crm import add_stalled_deal_views


def execute():
	add_stalled_deal_views()
