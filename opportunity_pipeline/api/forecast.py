import frappe

from opportunity_pipeline.forecast.cards import pipeline_card


@frappe.whitelist()
def open_pipeline_card(filters=None) -> dict:
	"""Number card: the amount of the open opportunities the user may read, in company currency."""
	return pipeline_card(filters)


@frappe.whitelist()
def weighted_pipeline_card(filters=None) -> dict:
	"""Number card: the same amount weighted by each opportunity's probability."""
	return pipeline_card(filters, weighted=True)
