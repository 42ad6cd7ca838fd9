"""Auto-assignment of opportunities to sales managers, on Frappe's own Assignment Rule."""

import frappe
from frappe import _
from frappe.cache_manager import get_doctype_map

from opportunity_pipeline.statuses import FINISHED_STATUSES

RULE_NAME = "Opportunity: round robin to Sales Managers"
SALES_ROLE = "Sales Manager"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def create_default_assignment_rule():
	"""Ship a ready rule, disabled: a system manager turns assignment on when the team is ready."""
	if frappe.db.exists("Assignment Rule", RULE_NAME):
		return
	rule = frappe.get_doc(
		{
			"doctype": "Assignment Rule",
			"name": RULE_NAME,
			"document_type": "Opportunity",
			"description": _("New opportunity {{ name }}: {{ customer_name or party_name }}"),
			"priority": 0,
			"disabled": 1,
			"rule": "Round Robin",
			"assign_condition": 'status == "Open"',
			"unassign_condition": f"status in {tuple(FINISHED_STATUSES)!r}",
			"assignment_days": [{"day": day} for day in WEEKDAYS],
			"users": [{"user": user} for user in sales_managers()],
		}
	)
	rule.insert(ignore_permissions=True)


def delete_default_assignment_rule():
	frappe.delete_doc_if_exists("Assignment Rule", RULE_NAME, force=True)


def sales_managers() -> list[str]:
	has_role = frappe.qb.DocType("Has Role")
	user = frappe.qb.DocType("User")
	return (
		frappe.qb.from_(has_role)
		.join(user)
		.on(user.name == has_role.parent)
		.select(user.name)
		.distinct()
		.where(
			(has_role.role == SALES_ROLE)
			& (has_role.parenttype == "User")
			& (user.enabled == 1)
			& (user.user_type == "System User")
			& (user.name.notin(["Administrator", "Guest"]))
		)
		.orderby(user.name)
		.run(pluck=True)
	)


def fill_users_when_enabled(rule, method=None):
	"""Assignment Rule validate: enabling the shipped rule with no users takes today's sales managers."""
	if rule.name != RULE_NAME or rule.disabled or rule.users:
		return
	for user in sales_managers():
		rule.append("users", {"user": user})
	if not rule.users:
		frappe.throw(
			_("No enabled user has the role {0}: give it to your sales people first.").format(SALES_ROLE)
		)


def assignee_follows_up(todo, method=None):
	"""ToDo after_insert: an opportunity assigned by hand with no Next Contact By gets the assignee as it,
	when whoever made the assignment may change the opportunity. Anyone may create a ToDo, so a ToDo
	alone moves nothing.

	Assignment Rules assign while the opportunity is being saved: `adopt_new_assignee` handles those on
	the document in flight, so that the saved form shows the user too."""
	if todo.reference_type != "Opportunity" or todo.status != "Open" or todo.assignment_rule:
		return
	if not todo.allocated_to or not frappe.db.exists("Opportunity", todo.reference_name):
		return
	opportunity = frappe.get_doc("Opportunity", todo.reference_name)
	if opportunity.get("contact_by") or not opportunity.has_permission("write"):
		return
	opportunity.db_set("contact_by", todo.allocated_to, update_modified=False)


def adopt_new_assignee(doc):
	"""On an opportunity's save: if a rule has just assigned it and it has no Next Contact By, the new
	assignee becomes it."""
	if doc.get("contact_by") or not _rules_assign(doc.doctype):
		return
	before = set(frappe.parse_json(doc.get("_assign") or "[]"))
	now = frappe.parse_json(frappe.db.get_value(doc.doctype, doc.name, "_assign") or "[]")
	newly_assigned = [user for user in now if user not in before]
	if newly_assigned:
		# Only what a rule assigned during this save, as the user saving (who may change the opportunity):
		# a ToDo someone else inserted, naming a rule or not, moves nothing.
		newly_assigned = frappe.get_all(
			"ToDo",
			filters={
				"reference_type": doc.doctype,
				"reference_name": doc.name,
				"status": "Open",
				"allocated_to": ("in", newly_assigned),
				"assignment_rule": ("is", "set"),
				"owner": frappe.session.user,
			},
			pluck="allocated_to",
			order_by="creation asc",
		)
	if newly_assigned:
		doc.contact_by = newly_assigned[0]
		frappe.db.set_value(doc.doctype, doc.name, "contact_by", doc.contact_by, update_modified=False)


def _rules_assign(doctype: str) -> bool:
	"""Whether an enabled Assignment Rule may assign this DocType: the cached map Frappe's own
	assignment_rule.apply reads, so saves with no rule to run cost no query."""
	return bool(
		get_doctype_map("Assignment Rule", doctype, filters={"document_type": doctype, "disabled": 0})
	)
