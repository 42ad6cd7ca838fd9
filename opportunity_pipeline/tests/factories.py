"""Records for integration tests, made on demand so the tests need no fixtures file."""

import frappe
from frappe.utils import add_days, now_datetime

TEST_CUSTOMER = "_OP Test Customer"


def make_user(email: str, roles=("Sales User",), enabled=1) -> str:
	if not frappe.db.exists("User", email):
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": email.split("@")[0],
				"send_welcome_email": 0,
				"enabled": enabled,
				"roles": [{"role": role} for role in roles],
			}
		)
		user.insert(ignore_permissions=True)
	return email


def make_customer(name: str = TEST_CUSTOMER) -> str:
	if not frappe.db.exists("Customer", name):
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": name,
				"customer_group": "All Customer Groups",
				"territory": "All Territories",
			}
		).insert(ignore_permissions=True)
	return name


def make_lead(first_name: str = "Ada", company_name: str = "_OP Test Lead Co") -> str:
	lead = frappe.get_doc(
		{"doctype": "Lead", "first_name": first_name, "company_name": company_name, "status": "Lead"}
	)
	lead.insert(ignore_permissions=True)
	return lead.name


def make_opportunity(**values):
	"""An Opportunity for the test customer unless `opportunity_from`/`party_name` say otherwise."""
	values.setdefault("opportunity_from", "Customer")
	if values["opportunity_from"] == "Customer":
		values.setdefault("party_name", make_customer())
	doc = frappe.get_doc({"doctype": "Opportunity", **values})
	doc.insert()
	return doc


def in_days(days: float, hour: int = 10):
	return add_days(now_datetime().replace(hour=hour, minute=0, second=0, microsecond=0), days)


def make_item(code: str = "_OP Test Item") -> str:
	if not frappe.db.exists("Item", code):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": code,
				"item_group": "All Item Groups",
				"stock_uom": "Nos",
				"is_stock_item": 0,
				"description": f"{code} description",
			}
		).insert(ignore_permissions=True)
	return code


def make_opportunity_with_items(**values):
	values.setdefault(
		"items",
		[{"item_code": make_item(), "qty": 3, "rate": 250, "uom": "Nos", "description": "Three units"}],
	)
	return make_opportunity(**values)
