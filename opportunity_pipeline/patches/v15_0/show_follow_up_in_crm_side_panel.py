"""Sites that had the app and Frappe CRM before the deal page showed the follow-up: its section, once."""

from opportunity_pipeline.frappe_crm import show_in_side_panel
from opportunity_pipeline.frappe_crm_side_panel import FOLLOW_UP


def execute():
	show_in_side_panel(FOLLOW_UP)
