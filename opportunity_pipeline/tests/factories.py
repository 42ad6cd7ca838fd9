"""Records for integration tests, made on demand so the tests need no fixtures file."""

import frappe
from frappe.utils import add_days, now_datetime

from opportunity_pipeline.lost.queries import opportunity_field

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
	"""An Opportunity for the test customer unless `opportunity_from`/`party_name` say otherwise. `source`
	and `campaign` are set under this version's names (ERPNext 16 calls them utm_source, utm_campaign)."""
	values = {
		opportunity_field(field) if field in ("source", "campaign") else field: value
		for field, value in values.items()
	}
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


def submitted_quotation(opportunity):
	"""A submitted Quotation made from `opportunity` by Create ▸ Quotation; one item added if it has none."""
	from opportunity_pipeline.api import make_quotation

	quotation = make_quotation(opportunity.name)
	if not quotation.items:  # an opportunity without items: the user adds them to the quotation
		quotation.append("items", {"item_code": make_item(), "qty": 1, "rate": 100, "uom": "Nos"})
	quotation.insert()
	quotation.submit()
	return quotation


def opportunity_status(opportunity) -> str:
	"""The stored status of an opportunity (a document or a name)."""
	return frappe.db.get_value("Opportunity", getattr(opportunity, "name", opportunity), "status")


def make_stage(name, probability=None):
	"""A Sales Stage with this probability (0 for none)."""
	if not frappe.db.exists("Sales Stage", name):
		frappe.get_doc({"doctype": "Sales Stage", "stage_name": name, "probability": probability}).insert()
	frappe.db.set_value("Sales Stage", name, "probability", probability or 0)
	return name


def make_reason(name, **values):
	if not frappe.db.exists("Opportunity Lost Reason", name):
		frappe.get_doc({"doctype": "Opportunity Lost Reason", "lost_reason": name, **values}).insert()
	return name


def make_territory(name):
	if not frappe.db.exists("Territory", name):
		frappe.get_doc(
			{"doctype": "Territory", "territory_name": name, "parent_territory": "All Territories"}
		).insert()
	return name


def set_auto_close(days=10, open=1, replied=1, quotation=0):
	for fieldname, value in {
		"close_opportunity_after_days": days,
		"auto_close_open": open,
		"auto_close_replied": replied,
		"auto_close_quotation": quotation,
	}.items():
		frappe.db.set_single_value("Selling Settings", fieldname, value)


def make_stale_opportunity(days_idle=20, status="Open", **values):
	opportunity = make_opportunity(**values)
	frappe.db.set_value(
		"Opportunity",
		opportunity.name,
		{"status": status, "modified": add_days(now_datetime(), -days_idle)},
		update_modified=False,
	)
	return opportunity.name


def add_communication(opportunity, days_ago, sent_or_received="Received"):
	frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "Email",
			"sent_or_received": sent_or_received,
			"subject": "Re: our offer",
			"content": "Thanks",
			"reference_doctype": "Opportunity",
			"reference_name": opportunity,
			"communication_date": add_days(now_datetime(), -days_ago),
		}
	).insert(ignore_permissions=True)
	# Inserting a Communication touches its reference; the test sets the change date it wants.
	frappe.db.set_value(
		"Opportunity", opportunity, "modified", add_days(now_datetime(), -40), update_modified=False
	)


def make_private_event(user: str) -> str:
	"""A private Event in `user`'s calendar that has nothing to do with any opportunity."""
	event = frappe.get_doc(
		{
			"doctype": "Event",
			"subject": "Doctor's appointment",
			"starts_on": in_days(4),
			"event_type": "Private",
		}
	)
	event.insert(ignore_permissions=True)
	frappe.db.set_value("Event", event.name, "owner", user)
	return event.name


def make_competitor(name: str = "_OP Rival") -> str:
	return (
		frappe.get_doc({"doctype": "Competitor", "competitor_name": name})
		.insert(ignore_if_duplicate=True)
		.name
	)


def make_quotation_lost_reason(name: str = "_OP Price too high") -> str:
	return (
		frappe.get_doc({"doctype": "Quotation Lost Reason", "order_lost_reason": name})
		.insert(ignore_if_duplicate=True)
		.name
	)


def make_company(name: str = "_OP Win Probability Co", abbr: str = "_OPW") -> str:
	"""A company of its own, so learned counts see only the test's opportunities. Committed once: making a
	company (its chart of accounts) takes seconds, and each test rolls back."""
	if not frappe.db.exists("Company", name):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": name,
				"abbr": abbr,
				"default_currency": "USD",
				"country": "United States",
				"create_chart_of_accounts_based_on": "Standard Template",
				"chart_of_accounts": "Standard",
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
	return name


def make_lead_source(name: str) -> str:
	"""A source of opportunities: a Lead Source on ERPNext 15, a UTM Source (named by hand) on 16."""
	doctype = frappe.get_meta("Opportunity").get_field(opportunity_field("source")).options
	if not frappe.db.exists(doctype, name):
		values = {"source_name": name} if doctype == "Lead Source" else {"name": name}
		frappe.get_doc({"doctype": doctype, **values}).insert(ignore_permissions=True)
	return name


def make_history(company: str, groups, days_ago: int = 30) -> list[str]:
	"""Closed opportunities as history holds them, bulk-inserted: `groups` of (status, count, {field:
	value}), closed `days_ago`. Returns their names."""
	moment = add_days(now_datetime(), -days_ago)
	customer = make_customer()
	currency = frappe.get_cached_value("Company", company, "default_currency")
	fields = sorted({field for _status, _count, values in groups for field in values})
	columns = [
		"name",
		"naming_series",
		"opportunity_from",
		"party_name",
		"company",
		"currency",
		"conversion_rate",
		"transaction_date",
		"creation",
		"modified",
		"owner",
		"modified_by",
		"status",
		"converted_on",
		"lost_date",
		*(opportunity_field(field) for field in fields),
	]
	rows = []
	for status, count, values in groups:
		for _ in range(count):
			rows.append(
				(
					f"_OP-H-{frappe.generate_hash(length=10)}",
					"CRM-OPP-.YYYY.-",
					"Customer",
					customer,
					company,
					currency,
					1,
					moment.date(),
					moment,
					moment,
					"Administrator",
					"Administrator",
					status,
					moment if status == "Converted" else None,
					moment if status == "Lost" else None,
					*(values.get(field) for field in fields),
				)
			)
	frappe.db.bulk_insert("Opportunity", columns, rows)
	return [row[0] for row in rows]


def make_closed_opportunity(status: str, company: str, **values) -> str:
	"""An opportunity that was Converted, Lost or Closed, set as history is: its status written directly."""
	opportunity = make_opportunity(company=company, **values)
	moment = add_days(now_datetime(), -30)
	outcome = {"status": status, "modified": moment}
	outcome.update({"Converted": {"converted_on": moment}, "Lost": {"lost_date": moment}}.get(status, {}))
	frappe.db.set_value("Opportunity", opportunity.name, outcome, update_modified=False)
	return opportunity.name


def make_deal_status(name: str, type: str, position: int | None = None) -> str:
	"""A CRM Deal Status of Frappe CRM's (where it is installed) of that type."""
	if not frappe.db.exists("CRM Deal Status", name):
		frappe.get_doc(
			{"doctype": "CRM Deal Status", "deal_status": name, "type": type, "position": position}
		).insert()
	return name


def make_crm_territory(name: str) -> str:
	"""A CRM Territory of Frappe CRM's (where it is installed)."""
	if not frappe.db.exists("CRM Territory", name):
		frappe.get_doc({"doctype": "CRM Territory", "territory_name": name}).insert()
	return name


def deal_status_of_type(type: str) -> str:
	"""One of the site's CRM Deal Statuses of that type (Frappe CRM installs one of each but On Hold)."""
	return frappe.db.get_value("CRM Deal Status", {"type": type}, "name") or make_deal_status(
		f"_OP {type}", type
	)
