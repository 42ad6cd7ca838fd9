"""Who reads Opportunity Win Factor (permission_query_conditions and has_permission hooks)."""

import frappe

from opportunity_pipeline import document_types
from opportunity_pipeline.permissions import reads_every_row
from opportunity_pipeline.pipeline_document import OPPORTUNITY

# The factors count every closed document of a company (every closed deal): only a user whom nothing
# restricts on that document type may read them, so no count reaches someone the list would not show it to.
reads_every = reads_every_row


def reads_every_opportunity(user: str | None = None) -> bool:
	return reads_every(OPPORTUNITY.doctype, user)


def query_conditions(user: str | None = None) -> str:
	"""permission_query_conditions of Opportunity Win Factor: the rows of each document type the user
	reads every row of."""
	readable = [
		document.doctype for document in document_types.available() if reads_every(document.doctype, user)
	]
	if not readable:
		return "1=0"
	return "ifnull(`tabOpportunity Win Factor`.document_type, {}) in ({})".format(
		frappe.db.escape(OPPORTUNITY.doctype), ", ".join(frappe.db.escape(doctype) for doctype in readable)
	)


def has_permission(doc, ptype: str = "read", user: str | None = None) -> bool:
	return reads_every(doc.get("document_type") or OPPORTUNITY.doctype, user)
