"""Lets a batch job go on past one broken opportunity."""

import frappe


def isolated(action, opportunity: str, title: str, doctype: str = "Opportunity") -> bool:
	"""Run `action`; if it fails, undo only its own writes and log the failure against the opportunity
	(or the `doctype` record named `opportunity`). True when it succeeded."""
	frappe.db.savepoint("opportunity_row")
	try:
		action()
		return True
	except Exception:
		frappe.db.rollback(save_point="opportunity_row")
		frappe.log_error(title=title, reference_doctype=doctype, reference_name=opportunity)
		return False
