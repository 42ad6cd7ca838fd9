import frappe
from frappe import _

from opportunity_pipeline.validation import existing, parse_list


@frappe.whitelist(methods=["POST"])
def declare_lost(
	opportunity: str, lost_reasons, competitors=None, detailed_reason: str | None = None
) -> dict:
	"""Declare an opportunity lost. `lost_reasons` and `competitors` are lists (or JSON lists) of names,
	or of rows with `lost_reason` / `competitor`. The same rules as the form's dialog apply: an enabled
	reason at least, and no active Quotation."""
	existing("Opportunity", opportunity, _("Opportunity"))
	doc = frappe.get_doc("Opportunity", opportunity)
	doc.check_permission("write")
	reasons = _names(lost_reasons, "lost_reason", _("Lost Reasons"), "Opportunity Lost Reason")
	if not reasons:
		frappe.throw(
			_("Give at least one reason for losing the opportunity."), title=_("Lost Reason Required")
		)
	rivals = _names(competitors or [], "competitor", _("Competitors"), "Competitor")
	if detailed_reason is not None and not isinstance(detailed_reason, str):
		frappe.throw(_("Detailed Reason must be text."))
	doc.declare_enquiry_lost(
		[{"lost_reason": reason} for reason in reasons],
		[{"competitor": competitor} for competitor in rivals],
		detailed_reason,
	)
	return {"name": doc.name, "status": doc.status, "lost_date": doc.lost_date, "lost_by": doc.lost_by}


def _names(rows, key: str, label: str, doctype: str) -> list[str]:
	"""Each row a name, or a dict with the name under `key`; every name must exist."""
	names = []
	for row in parse_list(rows, label):
		name = row.get(key) if isinstance(row, dict) else row
		names.append(existing(doctype, name, label))
	return names
