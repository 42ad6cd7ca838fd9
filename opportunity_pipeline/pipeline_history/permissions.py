"""Who reads Opportunity Pipeline State (permission_query_conditions and has_permission hooks): the rows
of the documents the user may read, each document type as its list decides it, and a deleted document's
rows only as Frappe lets its Deleted Document be read (permissions.reads_deleted_history). A row is
matched to its document by type and name together: a deal and an opportunity may share a name."""

import frappe

from opportunity_pipeline.document_types import available
from opportunity_pipeline.permissions import may_list, readable_condition, reads_deleted_history

STATE_TABLE = "`tabOpportunity Pipeline State`"


def query_conditions(user: str | None = None) -> str:
	per_type = [
		condition for document in available() if (condition := _type_condition(document.doctype, user))
	]
	return "(" + " or ".join(per_type) + ")" if per_type else "1=0"


def _type_condition(doctype: str, user: str | None) -> str | None:
	"""The rows of `doctype` the user may read, as SQL; None for none at all."""
	if not may_list(doctype, user):
		return None
	readable = readable_condition(doctype, user)
	conditions = [f"{STATE_TABLE}.`document_type` = {frappe.db.escape(doctype)}"]
	if not reads_deleted_history(readable, user):
		conditions.append(f"{STATE_TABLE}.`deleted` = 0")
	if readable is not None:
		condition = readable.get_sql().replace("%%", "%")
		conditions.append(
			f"{STATE_TABLE}.`opportunity` in (select `tab{doctype}`.`name` from `tab{doctype}` where {condition})"
		)
	return "(" + " and ".join(conditions) + ")"


def has_permission(doc, ptype: str = "read", user: str | None = None) -> bool:
	if ptype not in ("read", "report", "export", "print", "select"):
		return False
	doctype = doc.document_type or "Opportunity"
	if doctype not in {document.doctype for document in available()} or not may_list(doctype, user):
		return False
	readable = readable_condition(doctype, user)
	if doc.deleted:
		return reads_deleted_history(readable, user)
	if readable is None:
		return True
	return bool(
		frappe.db.exists(doctype, doc.opportunity)
		and frappe.has_permission(doctype, "read", doc=doc.opportunity, user=user)
	)
