"""Which Opportunity fields become which Quotation / Supplier Quotation fields, as data.

Applied on top of ERPNext's own mappers (which already copy fields of the same name), read by the tests and
by the README. Pairs are (source field, target field).
"""

# What a customer's and a supplier's quotation both take from each opportunity item.
ITEM_BASICS = [
	("item_code", "item_code"),
	("item_name", "item_name"),
	("description", "description"),
	("qty", "qty"),
	("uom", "uom"),
	("uom", "stock_uom"),
]

QUOTATION = {
	"Opportunity": {
		"doctype": "Quotation",
		"field_map": [
			("opportunity_from", "quotation_to"),
			("party_name", "party_name"),
			("customer_name", "customer_name"),
			("contact_person", "contact_person"),
			("contact_display", "contact_display"),
			("contact_email", "contact_email"),
			("contact_mobile", "contact_mobile"),
			("customer_address", "customer_address"),
			("address_display", "address_display"),
			("company", "company"),
			("currency", "currency"),
			("territory", "territory"),
			("customer_group", "customer_group"),
			("source", "source"),
			("campaign", "campaign"),
			# ERPNext 16's names of the two above; a version without a field skips its pair.
			("utm_source", "utm_source"),
			("utm_campaign", "utm_campaign"),
			("name", "opportunity"),
		],
	},
	"Opportunity Item": {
		"doctype": "Quotation Item",
		"field_map": [
			*ITEM_BASICS,
			("rate", "rate"),
			("parent", "prevdoc_docname"),
			("parenttype", "prevdoc_doctype"),
		],
		"add_if_empty": True,
	},
}

SUPPLIER_QUOTATION = {
	"Opportunity": {
		"doctype": "Supplier Quotation",
		"field_map": [
			("name", "opportunity"),
			("company", "company"),
		],
	},
	"Opportunity Item": {
		"doctype": "Supplier Quotation Item",
		"field_map": ITEM_BASICS,
	},
}

# Fields every mapping reads without them being DocType fields.
STANDARD_FIELDS = frozenset({"name", "parent", "parenttype"})
# Fields only some ERPNext versions have (16 replaced source and campaign by UTM fields).
VERSION_SPECIFIC_FIELDS = frozenset({"source", "campaign", "utm_source", "utm_campaign"})


def order_type_for(opportunity_type: str | None, order_types: list[str]) -> str | None:
	"""The Quotation order type named like the opportunity type (Sales, Maintenance), when there is one."""
	return opportunity_type if opportunity_type in order_types else None


def values_to_set(source: dict, target: dict, field_map) -> dict:
	"""The target values the mapping still has to set: each mapped source value that is there and that
	the target does not already hold. A source field the DocType lacks (a version without it) is skipped."""
	values = {}
	for source_field, target_field in field_map:
		value = source.get(source_field)
		if value not in (None, "") and target.get(target_field) != value:
			values[target_field] = value
	return values
