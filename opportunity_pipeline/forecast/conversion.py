"""When an opportunity was won: ERPNext marks it Converted (from its Sales Order) without a date."""

import frappe
from frappe.utils import now_datetime


def stamp_conversion(doc):
	"""Opportunity on_change (it also runs after db_set, which is how ERPNext converts): record when it
	became Converted, and forget it when it leaves that status. Written with set_value, not db_set, so the
	on_change hooks do not run again."""
	if doc.status == "Converted" and not doc.get("converted_on"):
		value = now_datetime()
	elif doc.status != "Converted" and doc.get("converted_on"):
		value = None
	else:
		return
	frappe.db.set_value(doc.doctype, doc.name, "converted_on", value, update_modified=False)
	doc.converted_on = value
