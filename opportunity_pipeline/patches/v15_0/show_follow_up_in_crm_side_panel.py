"""Sites that had the app and Frappe CRM before the deal page showed the follow-up: its section, once."""

from opportunity_pipeline.frappe_crm import show_follow_up_in_side_panel


def execute():
	show_follow_up_in_side_panel()
