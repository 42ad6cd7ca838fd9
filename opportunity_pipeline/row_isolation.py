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


def in_one_go_or_row_by_row(close, rows: list, title: str, doctype: str = "Opportunity") -> int:
	"""`close(rows)` in one go; if it fails, undo it and close each row alone, so one broken row is logged
	and the others still go. Returns how many rows were closed."""
	frappe.db.savepoint("batch")
	try:
		close(rows)
		return len(rows)
	except Exception:
		frappe.db.rollback(save_point="batch")
	return sum(isolated(lambda row=row: close([row]), row.name, title, doctype) for row in rows)
