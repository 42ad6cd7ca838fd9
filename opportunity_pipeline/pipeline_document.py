"""How each document type maps onto the pipeline, declared once per type; features read the declaration.

ERPNext's Opportunity is the pipeline's document today. Frappe CRM's CRM Deal, where ERPNext sends its CRM
users (issue #28), is declared beside it: its fields are checked against Frappe CRM's sources
(tests/test_framework_contract.py), and features move onto the declaration one by one. No Frappe import:
the declarations are data, tested in layer 1.
"""

from dataclasses import dataclass, field

# The company of a document type that has none (Frappe CRM's deals), where a table keys its rows by company
# (the win factors, the pipeline history): no company's query reads them.
NO_COMPANY = ""


@dataclass(frozen=True)
class StatusGroups:
	"""Which status values are still in the pipeline, and how a finished one ended."""

	open: tuple[str, ...]
	won: tuple[str, ...]
	lost: tuple[str, ...]
	# Finished with no answer: counts as lost only when a manager says so (the learned probability).
	closed: tuple[str, ...] = ()
	# Open, but put aside on purpose (some of `open`): the auto-close leaves them unless a manager says.
	paused: tuple[str, ...] = ()

	@property
	def finished(self) -> tuple[str, ...]:
		"""Left the pipeline: nobody follows them up any more."""
		return self.lost + self.closed + self.won


@dataclass(frozen=True)
class StatusTypes:
	"""A status that is a Link to a DocType of statuses, each of which says its group in one field (on
	CRM Deal, CRM Deal Status's `type`), so a site may add statuses of its own to any group."""

	doctype: str
	type_field: str
	groups: StatusGroups


@dataclass(frozen=True)
class Linked:
	"""A field of the document and the DocType it links to."""

	fieldname: str
	doctype: str


@dataclass(frozen=True)
class Response:
	"""Records that answer a document: while one dated after the auto-close's cutoff refers to the
	document, it has had a response and stays open."""

	doctype: str
	reference_doctype_field: str
	reference_name_field: str
	date_field: str
	# Only records whose field holds this value (Communication: a real message, not an automated one).
	only_where: tuple[str, str] | None = None


# An email sent or received about the document, on either document type.
COMMUNICATION = Response(
	"Communication",
	"reference_doctype",
	"reference_name",
	"communication_date",
	only_where=("communication_type", "Communication"),
)


@dataclass(frozen=True)
class PipelineDocument:
	"""One document type's map onto the pipeline."""

	doctype: str
	status_field: str
	# Fixed status values (a Select), or statuses grouped by a field of their own DocType (a Link).
	statuses: StatusGroups | StatusTypes
	amount_field: str
	# The amount x this rate is the amount in the company's currency (a rate of 0 or none counts as 1).
	exchange_rate_field: str
	probability_field: str
	expected_closing_field: str
	owner_field: str
	territory: Linked
	source: Linked
	# Where the company comes from: a field of the document, or None when the site has one company for
	# the whole CRM (Frappe CRM's deals have no company; ERPNext's CRM Settings names it).
	company_field: str | None
	# The sales stage, and the field of its DocType that orders the stages.
	stage: Linked
	stage_order_field: str
	# What reports group and filter by, under the labels they show: {label: field}.
	groups: dict[str, str]
	# Where the currency of amount x rate is set when the document has no company: (Single, field).
	currency_setting: tuple[str, str] | None = None
	# The app's flag of a stalled document (pipeline health), where the app keeps one.
	stalled_field: str | None = None
	# Who the document is with, for a person to read (a follow-up's subject): the first of these set.
	party_fields: tuple[str, ...] = ()
	# What counts as a response (auto-close): the document's own change, and these records about it.
	responses: tuple[Response, ...] = (COMMUNICATION,)
	# The owning app's record of the document's statuses, where it keeps one: (its table field, the child
	# DocType), a row per stay from `from_date`, the current one with no `to` yet (Frappe CRM's).
	status_log: Linked | None = None
	# The fields the learned win probability may use besides the stage (win_probability.rules.OPTIONAL_FIELDS
	# names them; "amount_band" is amount x rate, banded); Selling Settings chooses among them.
	model_fields: tuple[str, ...] = ()
	# What a report calls several documents of the type, translated where it shows it ("Closed {0}").
	plural_label: str = ""
	# The app keeps its pipeline history of the type (pipeline_history/), so a bulk change records there.
	keeps_history: bool = False
	# Fields a later version of the owning app renamed: {field: the field there}; the site's own has the say.
	renamed_fields: dict[str, Linked] = field(default_factory=dict)

	def field_on_this_version(self, fieldname: str, has_field) -> str:
		"""The field that holds `fieldname`'s values on this site (`has_field(name)`): itself, or its new name."""
		if has_field(fieldname) or fieldname not in self.renamed_fields:
			return fieldname
		renamed = self.renamed_fields[fieldname].fieldname
		return renamed if has_field(renamed) else fieldname

	def scope(self, company: str | None) -> str:
		"""The company a table keyed by company (the win factors, the pipeline history) keeps the type's rows
		under: the company, or NO_COMPANY for a type without one (the site's deals), whatever is asked."""
		return (company or NO_COMPANY) if self.company_field else NO_COMPANY

	@property
	def stage_is_status(self) -> bool:
		"""The stage is the status itself (Frappe CRM's pipeline): a finished document's stage is then the
		one it left for its final status, read from its status log."""
		return self.stage.fieldname == self.status_field

	@property
	def status_groups(self) -> StatusGroups:
		return self.statuses.groups if isinstance(self.statuses, StatusTypes) else self.statuses


OPPORTUNITY = PipelineDocument(
	doctype="Opportunity",
	status_field="status",
	statuses=StatusGroups(
		open=("Open", "Replied", "Quotation"),
		won=("Converted",),
		lost=("Lost",),
		closed=("Closed",),
	),
	amount_field="opportunity_amount",
	exchange_rate_field="conversion_rate",
	probability_field="probability",
	expected_closing_field="expected_closing",
	owner_field="opportunity_owner",
	territory=Linked("territory", "Territory"),
	source=Linked("source", "Lead Source"),
	company_field="company",
	stage=Linked("sales_stage", "Sales Stage"),
	stage_order_field="stage_order",
	groups={
		"Sales Stage": "sales_stage",
		"Forecast Category": "forecast_category",
		"Opportunity Owner": "opportunity_owner",
		"Converted By": "converted_by",
		"Territory": "territory",
		"Opportunity Type": "opportunity_type",
	},
	stalled_field="is_stalled",
	party_fields=("customer_name", "party_name"),
	model_fields=(
		"source",
		"opportunity_type",
		"territory",
		"customer_group",
		"opportunity_from",
		"campaign",
		"amount_band",
	),
	plural_label="Opportunities",
	keeps_history=True,
	# ERPNext 16 moved the source and campaign to UTM analytics (its patch migrate_to_utm_analytics).
	renamed_fields={
		"source": Linked("utm_source", "UTM Source"),
		"campaign": Linked("utm_campaign", "UTM Campaign"),
	},
)

CRM_DEAL = PipelineDocument(
	doctype="CRM Deal",
	status_field="status",
	statuses=StatusTypes(
		doctype="CRM Deal Status",
		type_field="type",
		groups=StatusGroups(
			open=("Open", "Ongoing", "On Hold"), won=("Won",), lost=("Lost",), paused=("On Hold",)
		),
	),
	amount_field="deal_value",
	exchange_rate_field="exchange_rate",
	probability_field="probability",
	expected_closing_field="expected_closure_date",
	owner_field="deal_owner",
	territory=Linked("territory", "CRM Territory"),
	source=Linked("source", "CRM Lead Source"),
	company_field=None,
	# A deal's status is its stage: Frappe CRM's pipeline columns are its CRM Deal Statuses, in order.
	stage=Linked("status", "CRM Deal Status"),
	stage_order_field="position",
	groups={
		"Sales Stage": "status",
		"Forecast Category": "forecast_category",
		"Opportunity Owner": "deal_owner",
		"Territory": "territory",
	},
	currency_setting=("FCRM Settings", "currency"),
	stalled_field="is_stalled",
	party_fields=("organization", "lead_name"),
	model_fields=("source", "territory", "amount_band"),
	plural_label="Deals",
	keeps_history=True,
	status_log=Linked("status_change_log", "CRM Status Change Log"),
	# A call Frappe CRM logged against the deal answers it as an email does.
	responses=(COMMUNICATION, Response("CRM Call Log", "reference_doctype", "reference_docname", "creation")),
)

PIPELINE_DOCUMENTS = {document.doctype: document for document in (OPPORTUNITY, CRM_DEAL)}
