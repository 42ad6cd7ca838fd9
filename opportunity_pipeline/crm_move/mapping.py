"""What each of ERPNext's CRM records becomes in Frappe CRM, declared once: the move, its dry run and its
reconciliation read these tables, and layer 1 checks every field named here against both apps' sources
(tests/test_framework_contract.py). No Frappe import: the declarations are data.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RecordMove:
	"""One of ERPNext's DocTypes moved onto one of Frappe CRM's: `fields` maps a field of the source to the
	target's field of the same meaning, `masters` the source's Link fields whose values become records of
	Frappe CRM's own master DocType (a Territory becomes a CRM Territory of that name)."""

	source: str
	target: str
	fields: dict[str, str]
	masters: dict[str, str] = field(default_factory=dict)
	# Source fields a later ERPNext renamed: field -> (its name there, the master it links to there).
	renamed: dict[str, tuple[str, str]] = field(default_factory=dict)


# ERPNext 16 moved a lead's and an opportunity's source to UTM analytics.
UTM_SOURCE = {"source": ("utm_source", "UTM Source")}

# ERPNext's masters and the Frappe CRM master of the same meaning, by name (created where missing).
MASTERS = {
	"Territory": "CRM Territory",
	"Lead Source": "CRM Lead Source",
	"UTM Source": "CRM Lead Source",  # ERPNext 16's name for the source (its patch migrate_to_utm_analytics)
	"Industry Type": "CRM Industry",
	"Opportunity Lost Reason": "CRM Lost Reason",
}

# The field each of those Frappe CRM masters is named by.
MASTER_NAME_FIELDS = {
	"CRM Territory": "territory_name",
	"CRM Lead Source": "source_name",
	"CRM Industry": "industry",
	"CRM Lost Reason": "lost_reason",
}

LEAD = RecordMove(
	source="Lead",
	target="CRM Lead",
	fields={
		"salutation": "salutation",
		"first_name": "first_name",
		"middle_name": "middle_name",
		"last_name": "last_name",
		"gender": "gender",
		"email_id": "email",
		"mobile_no": "mobile_no",
		"phone": "phone",
		"website": "website",
		"company_name": "organization",
		"job_title": "job_title",
		"no_of_employees": "no_of_employees",
		"annual_revenue": "annual_revenue",
		"lead_owner": "lead_owner",
		"industry": "industry",
		"territory": "territory",
		"source": "source",
	},
	masters={"industry": "Industry Type", "territory": "Territory", "source": "Lead Source"},
	renamed=UTM_SOURCE,
)

CUSTOMER = RecordMove(
	source="Customer",
	target="CRM Organization",
	fields={
		"customer_name": "organization_name",
		"website": "website",
		"industry": "industry",
		"territory": "territory",
		"default_currency": "currency",
	},
	masters={"industry": "Industry Type", "territory": "Territory"},
)

PROSPECT = RecordMove(
	source="Prospect",
	target="CRM Organization",
	fields={
		"company_name": "organization_name",
		"website": "website",
		"industry": "industry",
		"territory": "territory",
		"no_of_employees": "no_of_employees",
		"annual_revenue": "annual_revenue",
	},
	masters={"industry": "Industry Type", "territory": "Territory"},
)

OPPORTUNITY = RecordMove(
	source="Opportunity",
	target="CRM Deal",
	fields={
		"opportunity_owner": "deal_owner",
		"currency": "currency",
		"conversion_rate": "exchange_rate",
		"opportunity_amount": "deal_value",
		"probability": "probability",
		"expected_closing": "expected_closure_date",
		"territory": "territory",
		"source": "source",
		"website": "website",
		"job_title": "job_title",
		"no_of_employees": "no_of_employees",
		"annual_revenue": "annual_revenue",
		"industry": "industry",
		"order_lost_reason": "lost_notes",
		# The app's own follow-up fields, on both (custom/opportunity.json, custom/crm_deal.json).
		"contact_by": "contact_by",
		"contact_date": "contact_date",
	},
	masters={"territory": "Territory", "source": "Lead Source", "industry": "Industry Type"},
	renamed=UTM_SOURCE,
)

# An opportunity's items, as the deal's products (CRM Products rows).
OPPORTUNITY_ITEM = RecordMove(
	source="Opportunity Item",
	target="CRM Products",
	fields={"item_name": "product_name", "qty": "qty", "rate": "rate", "amount": "amount"},
)

RECORD_MOVES = (LEAD, CUSTOMER, PROSPECT, OPPORTUNITY, OPPORTUNITY_ITEM)
