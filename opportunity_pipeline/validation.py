"""Checks of what a caller sends to the app's whitelisted methods and reports: bad input gets a clear
ValidationError before anything is read or written."""

import json
from datetime import date

import frappe
from frappe import _
from frappe.permissions import has_user_permission
from frappe.utils import escape_html, getdate


def whole_number(value, label: str, minimum: int, maximum: int) -> int:
	"""`value` as an int in [minimum, maximum]; a bool, a fraction or a non-number is refused."""
	number = None
	if isinstance(value, int) and not isinstance(value, bool):
		number = value
	elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
		number = int(value)
	if number is None or not minimum <= number <= maximum:
		frappe.throw(_("{0} must be a whole number from {1} to {2}.").format(label, minimum, maximum))
	return number


def parse_list(value, label: str) -> list:
	"""A list, or a JSON list in a string (as frappe.call and REST send it)."""
	if isinstance(value, str):
		try:
			value = json.loads(value)
		except ValueError:
			value = None
	if not isinstance(value, list | tuple):
		frappe.throw(_("{0} must be a list.").format(label))
	return list(value)


def parse_dict(value, label: str, rows_allowed: bool = False) -> dict | list:
	"""A dict, or a JSON object in a string; nothing given is an empty dict. With `rows_allowed`, a list
	of filter rows too (as a Number Card stores its filters)."""
	if value in (None, ""):
		return {}
	if isinstance(value, str):
		try:
			value = json.loads(value)
		except ValueError:
			value = None
	if not isinstance(value, dict | list) or (isinstance(value, list) and not rows_allowed):
		frappe.throw(_("{0} must be an object.").format(label))
	return value


def existing(doctype: str, name, label: str) -> str:
	"""`name` of an existing `doctype` record."""
	if not isinstance(name, str) or not name or not frappe.db.exists(doctype, name):
		shown = escape_html(str(name)[:140])
		frappe.throw(_("{0}: {1} {2} does not exist.").format(label, _(doctype), frappe.bold(shown)))
	return name


def company_for_user(company) -> str:
	"""An existing company the user's User Permissions do not keep them from."""
	existing("Company", company, _("Company"))
	if not has_user_permission(frappe.get_cached_doc("Company", company)):
		frappe.throw(
			_("You are not permitted to see company {0}.").format(frappe.bold(escape_html(company))),
			frappe.PermissionError,
		)
	return company


def date_value(value, label: str):
	"""A date from a date or an ISO string; anything else is refused with the field's name."""
	if value is not None and not isinstance(value, str | date):
		frappe.throw(_("{0} must be a date.").format(label))
	try:
		return getdate(value)
	except frappe.ValidationError:
		raise
	except Exception:
		frappe.throw(_("{0} must be a date.").format(label))


def text_value(value, label: str) -> str:
	"""A filter value that must be one name, not a list or an object."""
	if not isinstance(value, str):
		frappe.throw(_("{0} must be a single value.").format(label))
	return value
