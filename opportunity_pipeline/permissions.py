"""Row-level read permission on Opportunity as a frappe.qb condition, for reports that aggregate in SQL.

Mirrors what frappe.get_list applies (frappe.model.db_query.DatabaseQuery): the role permission to read,
"only if creator", and User Permissions on the DocType and its Link fields.
"""

import frappe
from frappe.core.doctype.user_permission.user_permission import get_user_permissions
from frappe.permissions import get_role_permissions


def readable_opportunities(user: str | None = None):
	"""The condition on `tabOpportunity` for the rows `user` may read; None when they may read all.
	Raises PermissionError when they may read none."""
	user = user or frappe.session.user
	meta = frappe.get_meta("Opportunity")
	if not frappe.has_permission("Opportunity", "read", user=user):
		frappe.throw(frappe._("Not permitted to read Opportunity"), frappe.PermissionError)

	opportunity = frappe.qb.DocType("Opportunity")
	conditions = []
	role_permissions = get_role_permissions(meta, user=user)
	if "read" in (role_permissions.get("if_owner") or {}) and not role_permissions.get("read"):
		conditions.append(opportunity.owner == user)

	permissions = get_user_permissions(user)
	strict = frappe.get_system_settings("apply_strict_user_permissions")
	for fieldname, link_doctype in _permission_fields(meta):
		allowed = [
			permission.get("doc")
			for permission in permissions.get(link_doctype, [])
			if permission.get("applicable_for") in (None, "", "Opportunity")
		]
		if allowed:
			field = opportunity[fieldname]
			conditions.append(
				field.isin(allowed) if strict else (field.isin(allowed) | field.isnull() | (field == ""))
			)

	condition = None
	for part in conditions:
		condition = part if condition is None else condition & part
	return condition


def _permission_fields(meta):
	yield "name", "Opportunity"
	for df in meta.get_link_fields():
		if not df.get("ignore_user_permissions"):
			yield df.fieldname, df.options
