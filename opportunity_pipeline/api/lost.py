import frappe
from frappe import _


@frappe.whitelist(methods=["POST"])
def declare_lost(
	opportunity: str, lost_reasons, competitors=None, detailed_reason: str | None = None
) -> dict:
	"""Declare an opportunity lost. `lost_reasons` and `competitors` are lists of names (or of rows with
	`lost_reason` / `competitor`). The same rules as the form's dialog apply: an enabled reason at least,
	and no active Quotation."""
	doc = frappe.get_doc("Opportunity", opportunity)
	doc.check_permission("write")
	reasons = _names(lost_reasons, "lost_reason")
	if not reasons:
		frappe.throw(
			_("Give at least one reason for losing the opportunity."), title=_("Lost Reason Required")
		)
	doc.declare_enquiry_lost(
		[{"lost_reason": reason} for reason in reasons],
		[{"competitor": competitor} for competitor in _names(competitors, "competitor")],
		detailed_reason,
	)
	return {"name": doc.name, "status": doc.status, "lost_date": doc.lost_date, "lost_by": doc.lost_by}


def _names(rows, key: str) -> list[str]:
	rows = frappe.parse_json(rows) if isinstance(rows, str) else rows or []
	return [row if isinstance(row, str) else row.get(key) for row in rows if row]
