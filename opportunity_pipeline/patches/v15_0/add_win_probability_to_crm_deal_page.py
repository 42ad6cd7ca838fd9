"""Sites that had the app and Frappe CRM before the deal page had its Win Probability button: the button,
once."""

from opportunity_pipeline.frappe_crm import add_deal_form_script


def execute():
	add_deal_form_script()
