"""The team forecast's setting in Selling Settings: whether attainment counts submitted Sales Orders or
Sales Invoices (the Forecast Grid's Bookings From, when left empty, and My Attainment)."""

import frappe

from opportunity_pipeline.auto_close.settings import save_defaults as save_field_defaults
from opportunity_pipeline.team_forecast.figures import BOOKINGS

SETTINGS = ("attainment_from",)


def save_defaults():
	"""Install and migrate: the setting, never saved, gets its default (Sales Order)."""
	save_field_defaults(SETTINGS)


def attainment_from() -> str:
	value = frappe.db.get_single_value("Selling Settings", "attainment_from")
	return value if value in BOOKINGS else "Sales Order"
