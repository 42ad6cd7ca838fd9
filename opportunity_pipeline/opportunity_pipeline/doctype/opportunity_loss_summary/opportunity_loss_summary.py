"""Losses summed per company, month, group and report filter: the Lost Opportunity Analysis reads whole
months from here. Rows are derived by lost/summary.py; nobody edits them."""

from frappe.model.document import Document


class OpportunityLossSummary(Document):
	pass
