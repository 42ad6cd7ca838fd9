"""What the app relies on in Frappe and ERPNext, checked against their sources, read as files.

Give the sources of one or more versions (never committed here) as
OP_FRAMEWORK_SOURCES="/src/frappe-15:/src/erpnext-15;/src/frappe-16:/src/erpnext-16" (frappe:erpnext app
folders, `;` between versions). Without it, these checks are skipped. Each DocType, field, function
(with its parameters), hook target and status value the app names must exist there, so drift between
versions shows here before it breaks a site.
"""

import ast
import json
import os
from functools import cache
from pathlib import Path

import pytest

from conftest import MODULE_DIR

SOURCES = [
	tuple(Path(path) for path in version.split(":"))
	for version in os.environ.get("OP_FRAMEWORK_SOURCES", "").split(";")
	if version.strip()
]
pytestmark = pytest.mark.skipif(not SOURCES, reason="OP_FRAMEWORK_SOURCES not given")

# DocTypes the app extends, hooks, queries or writes.
DOCTYPES = (
	"Opportunity",
	"Opportunity Item",
	"Opportunity Lost Reason",
	"Opportunity Lost Reason Detail",
	"Competitor Detail",
	"Sales Stage",
	"Selling Settings",
	"CRM Settings",
	"Quotation",
	"Quotation Item",
	"Quotation Lost Reason",
	"Supplier Quotation",
	"Supplier Quotation Item",
	"Event",
	"Event Participants",
	"Communication",
	"Communication Link",
	"ToDo",
	"Assignment Rule",
	"Kanban Board",
	"Scheduled Job Type",
	"Notification Log",
	"Dashboard Chart",
	"Number Card",
	"User Permission",
	"DefaultValue",
	"Email Account",
)
# Fields the app reads or writes directly (beyond its own custom fields).
FIELDS = {
	"Opportunity": (
		"status",
		"company",
		"opportunity_amount",
		"conversion_rate",
		"probability",
		"expected_closing",
		"sales_stage",
		"territory",
		"opportunity_type",
		"opportunity_owner",
		"opportunity_from",
		"party_name",
		"customer_name",
		"lost_reasons",
		"competitors",
		"order_lost_reason",
		"title",
	),
	"User": ("email", "enabled", "user_type", "language"),
	"Notification Settings": ("enable_email_notifications",),
	"Event": ("subject", "description", "starts_on", "ends_on", "event_type", "event_category", "status"),
	"Event Participants": ("reference_doctype", "reference_docname"),
	"DefaultValue": ("defkey", "defvalue"),
	"Communication": (
		"reference_doctype",
		"reference_name",
		"communication_medium",
		"communication_type",
		"communication_date",
		"sender",
		"sender_full_name",
	),
	"Communication Link": ("link_doctype", "link_name"),
	"ToDo": ("allocated_to", "reference_type", "reference_name", "status", "assignment_rule"),
	"CRM Settings": ("close_opportunity_after_days",),
	"Quotation": ("opportunity", "order_type", "quotation_to", "party_name", "lost_reasons", "competitors"),
	"Quotation Item": ("prevdoc_doctype", "prevdoc_docname"),
	"Supplier Quotation": ("opportunity",),
	"Scheduled Job Type": ("method", "stopped"),
	# The Forecast Grid (team_forecast/figures.py): the Sales Person tree and its targets, who each person
	# is, and what they booked.
	"Sales Person": ("parent_sales_person", "lft", "rgt", "employee", "targets"),
	"Target Detail": ("fiscal_year", "target_amount", "distribution_id"),
	"Employee": ("user_id",),
	"Sales Team": ("sales_person", "allocated_amount"),
	"Sales Order": ("company", "transaction_date", "sales_team"),
	"Sales Invoice": ("company", "posting_date", "sales_team"),
}
# (app, module path, function or Class.method, the parameters the app passes)
FUNCTIONS = (
	(
		"erpnext",
		"erpnext/accounts/report/financial_statements.py",
		"get_period_list",
		(
			"from_fiscal_year",
			"to_fiscal_year",
			"period_start_date",
			"period_end_date",
			"filter_based_on",
			"periodicity",
			"company",
		),
	),
	(
		"erpnext",
		"erpnext/accounts/doctype/monthly_distribution/monthly_distribution.py",
		"get_periodwise_distribution_data",
		("distribution_id", "period_list", "periodicity"),
	),
	(
		"erpnext",
		"erpnext/crm/doctype/opportunity/opportunity.py",
		"make_quotation",
		("source_name", "target_doc"),
	),
	(
		"erpnext",
		"erpnext/crm/doctype/opportunity/opportunity.py",
		"make_supplier_quotation",
		("source_name", "target_doc"),
	),
	("erpnext", "erpnext/crm/doctype/opportunity/opportunity.py", "auto_close_opportunity", ()),
	(
		"erpnext",
		"erpnext/crm/doctype/opportunity/opportunity.py",
		"Opportunity.declare_enquiry_lost",
		("lost_reasons_list", "competitors", "detailed_reason"),
	),
	("erpnext", "erpnext/crm/doctype/opportunity/opportunity.py", "Opportunity.has_active_quotation", ()),
	(
		"erpnext",
		"erpnext/selling/doctype/quotation/quotation.py",
		"Quotation.declare_enquiry_lost",
		("lost_reasons_list", "competitors", "detailed_reason"),
	),
	(
		"erpnext",
		"erpnext/selling/doctype/quotation/quotation.py",
		"Quotation.update_opportunity",
		("status",),
	),
	("erpnext", "erpnext/setup/utils.py", "before_tests", ()),
	("frappe", "frappe/model/db_query.py", "DatabaseQuery.build_match_conditions", ("as_condition",)),
	("frappe", "frappe/model/db_query.py", "DatabaseQuery.check_read_permission", ("doctype",)),
	("frappe", "frappe/desk/calendar.py", "update_event", ("args", "field_map")),
	("frappe", "frappe/desk/form/assign_to.py", "add", ("args",)),
	("frappe", "frappe/cache_manager.py", "get_doctype_map", ("doctype", "name", "filters")),
	("frappe", "frappe/permissions.py", "has_user_permission", ("doc", "user")),
	("frappe", "frappe/permissions.py", "add_permission", ("doctype", "role", "permlevel")),
	("frappe", "frappe/desk/doctype/kanban_board/kanban_board.py", "update_order_for_single_card", ()),
	(
		"frappe",
		"frappe/desk/doctype/notification_settings/notification_settings.py",
		"is_email_notifications_enabled_for_type",
		("user", "notification_type"),
	),
	(
		"frappe",
		"frappe/desk/doctype/notification_settings/notification_settings.py",
		"is_email_notifications_enabled",
		("user",),
	),
	(
		"frappe",
		"frappe/email/doctype/email_account/email_account.py",
		"EmailAccount.find_outgoing",
		("match_by_email", "match_by_doctype"),
	),
	("frappe", "frappe/modules/utils.py", "sync_customizations", ("app",)),
	("frappe", "frappe/model/mapper.py", "get_mapped_doc", ("from_doctype", "from_docname", "table_maps")),
)
OPPORTUNITY_STATUSES = ("Open", "Replied", "Quotation", "Converted", "Lost", "Closed")

VERSIONS = [pytest.param(pair, id=str(pair[0])) for pair in SOURCES]


@cache
def doctype_json(roots: tuple, doctype: str) -> dict | None:
	scrubbed = doctype.lower().replace(" ", "_")
	for root in roots:
		for path in root.glob(f"**/doctype/{scrubbed}/{scrubbed}.json"):
			return json.loads(path.read_text())
	return None


def fields_of(roots, doctype) -> set:
	data = doctype_json(roots, doctype) or {}
	return {field["fieldname"] for field in data.get("fields", [])} | {"name"}


def custom_files():
	return [json.loads(path.read_text()) for path in sorted((MODULE_DIR / "custom").glob("*.json"))]


@pytest.mark.parametrize("roots", VERSIONS)
def test_every_doctype_the_app_relies_on_exists(roots):
	assert [doctype for doctype in DOCTYPES if doctype_json(roots, doctype) is None] == []


@pytest.mark.parametrize("roots", VERSIONS)
def test_every_field_the_app_reads_or_writes_exists(roots):
	missing = [
		f"{doctype}.{field}"
		for doctype, fields in FIELDS.items()
		for field in fields
		if field not in fields_of(roots, doctype)
	]
	assert missing == []


@pytest.mark.parametrize("roots", VERSIONS)
def test_custom_fields_are_placed_after_fields_that_exist(roots):
	"""Against the DocTypes in these sources: a customization of an optional app's DocType (Frappe CRM's)
	is checked where its sources are given, as Frappe skips it on a site without that DocType."""
	missing = []
	for data in custom_files():
		if doctype_json(roots, data["doctype"]) is None:
			continue
		ours = {row["fieldname"] for row in data["custom_fields"]}
		for row in data["custom_fields"]:
			if row["insert_after"] not in fields_of(roots, row["dt"]) | ours:
				missing.append(f"{row['dt']}.{row['fieldname']} after {row['insert_after']}")
		for setter in data["property_setters"]:
			if (
				setter.get("field_name")
				and setter["field_name"] not in fields_of(roots, setter["doc_type"]) | ours
			):
				missing.append(f"property setter on {setter['doc_type']}.{setter['field_name']}")
	assert missing == []


@pytest.mark.parametrize("roots", VERSIONS)
def test_the_opportunity_statuses_are_erpnexts(roots):
	status = next(
		field for field in doctype_json(roots, "Opportunity")["fields"] if field["fieldname"] == "status"
	)
	assert set(OPPORTUNITY_STATUSES) <= set(status["options"].split("\n"))


@pytest.mark.parametrize("roots", VERSIONS)
def test_every_function_the_app_calls_or_wraps_takes_what_the_app_passes(roots):
	frappe_root, erpnext_root = roots[:2]
	problems = []
	for app, module, qualname, params in FUNCTIONS:
		path = (frappe_root if app == "frappe" else erpnext_root) / module
		if not path.is_file():
			problems.append(f"{module} is gone")
			continue
		function = find_function(ast.parse(path.read_text()), qualname)
		if function is None:
			problems.append(f"{module}:{qualname} is gone")
			continue
		names = [arg.arg for arg in function.args.args + function.args.kwonlyargs]
		if lacking := [param for param in params if param not in names]:
			problems.append(f"{module}:{qualname} no longer takes {lacking}")
	assert problems == []


@pytest.mark.parametrize("roots", VERSIONS)
def test_the_quotation_mapping_names_fields_of_this_version_or_of_another(roots):
	from opportunity_pipeline.quotation.mapping import (
		QUOTATION,
		STANDARD_FIELDS,
		SUPPLIER_QUOTATION,
		VERSION_SPECIFIC_FIELDS,
	)

	missing = []
	for mapping in (QUOTATION, SUPPLIER_QUOTATION):
		for source, table in mapping.items():
			for source_field, target_field in table["field_map"]:
				for doctype, field in ((source, source_field), (table["doctype"], target_field)):
					if field not in fields_of(roots, doctype) | STANDARD_FIELDS | VERSION_SPECIFIC_FIELDS:
						missing.append(f"{doctype}.{field}")
	assert missing == []


@pytest.mark.parametrize("roots", VERSIONS)
def test_erpnexts_auto_close_job_is_still_scheduled_where_the_app_stops_it(roots):
	from opportunity_pipeline.auto_close.rules import STOCK_JOB

	assert STOCK_JOB in (roots[1] / "erpnext" / "hooks.py").read_text()


def find_function(tree, qualname: str):
	*owner, name = qualname.split(".")
	nodes = tree.body
	if owner:
		cls = next((n for n in nodes if isinstance(n, ast.ClassDef) and n.name == owner[0]), None)
		if cls is None:
			return None
		nodes = cls.body
	return next((n for n in nodes if isinstance(n, ast.FunctionDef) and n.name == name), None)


@pytest.mark.parametrize("roots", VERSIONS)
def test_every_loss_filter_has_its_field_on_this_version(roots):
	"""The report's filters are Opportunity fields, under ERPNext 16's names where it renamed them."""
	from opportunity_pipeline.lost.rules import FILTER_FIELDS
	from opportunity_pipeline.pipeline_document import OPPORTUNITY

	ours = {
		row["fieldname"]
		for data in custom_files()
		for row in data["custom_fields"]
		if row["dt"] == "Opportunity"
	}
	opportunity = fields_of(roots, "Opportunity") | ours
	missing = [
		field
		for field in FILTER_FIELDS
		if OPPORTUNITY.field_on_this_version(field, opportunity.__contains__) not in opportunity
	]
	assert missing == []


@pytest.mark.parametrize("roots", VERSIONS)
def test_the_auto_close_settings_get_a_tab_exactly_where_selling_settings_has_tabs(roots):
	from opportunity_pipeline.auto_close.rules import settings_tab_after

	data = doctype_json(roots, "Selling Settings")
	by_name = {field["fieldname"]: field["fieldtype"] for field in data["fields"]}
	standard = [(name, by_name[name]) for name in data["field_order"] if name in by_name]
	after = settings_tab_after(standard)
	if any(fieldtype == "Tab Break" for _name, fieldtype in standard):
		assert after == data["field_order"][-1]  # a tab of its own, after every standard one
	else:
		assert after is None


@pytest.mark.parametrize("roots", VERSIONS)
def test_the_desk_navigation_files_fit_the_doctypes_that_read_them(roots):
	"""Frappe 16 reads desktop_icon/ and workspace_sidebar/; Frappe 15 has no such DocTypes and ignores them."""
	from conftest import PACKAGE

	if "workspace_sidebar" not in (roots[0] / "frappe" / "model" / "sync.py").read_text():
		pytest.skip("this Frappe does not sync app-level desktop icons and sidebars")
	for folder, doctype in (("desktop_icon", "Desktop Icon"), ("workspace_sidebar", "Workspace Sidebar")):
		fields = fields_of(roots, doctype) | {
			"doctype",
			"creation",
			"modified",
			"modified_by",
			"owner",
			"docstatus",
			"idx",
		}
		for path in (PACKAGE / folder).glob("*.json"):
			data = json.loads(path.read_text())
			assert set(data) <= fields, path.name
			for item in data.get("items", []):
				assert set(item) <= fields_of(roots, "Workspace Sidebar Item") | {"idx"}, item["label"]


def _declared_fields(document) -> dict:
	"""{fieldname: the DocType it must link to, or None} of one pipeline declaration."""
	fields = {
		document.status_field: None,
		document.amount_field: None,
		document.exchange_rate_field: None,
		document.probability_field: None,
		document.expected_closing_field: None,
		document.owner_field: "User",
		document.territory.fieldname: document.territory.doctype,
		document.source.fieldname: document.source.doctype,
	}
	if document.company_field:
		fields[document.company_field] = "Company"
	fields[document.stage.fieldname] = document.stage.doctype
	for fieldname in document.groups.values():
		fields.setdefault(fieldname, None)
	# The learned win probability's fields (the amount's band is amount x rate, above).
	for fieldname in document.model_fields:
		if fieldname != "amount_band":
			fields.setdefault(fieldname, None)
	return fields


def _app_fields(doctype: str) -> set:
	"""The fields the app adds to `doctype` (its custom/<doctype>.json)."""
	return {
		row["fieldname"] for data in custom_files() for row in data["custom_fields"] if row["dt"] == doctype
	}


@pytest.mark.parametrize("roots", VERSIONS)
@pytest.mark.parametrize("doctype", ["Opportunity", "CRM Deal"])
def test_every_field_a_pipeline_declaration_names_exists_with_its_link(roots, doctype):
	"""Each declaration (pipeline_document.py) against the sources of its DocType: every field it names,
	under the version's name where that version renamed it, linking where it says. Frappe CRM's CRM Deal is
	checked when its app folder is one of the version's sources (a third path: frappe:erpnext:crm)."""
	from opportunity_pipeline.pipeline_document import PIPELINE_DOCUMENTS

	data = doctype_json(roots, doctype)
	if data is None:
		pytest.skip(f"no {doctype} in these sources")
	document = PIPELINE_DOCUMENTS[doctype]
	by_name = {row["fieldname"]: row for row in data["fields"]}
	wrong = []
	for fieldname, target in _declared_fields(document).items():
		here = document.field_on_this_version(fieldname, by_name.__contains__)
		if here != fieldname:
			target = document.renamed_fields[fieldname].doctype
		row = by_name.get(here)
		if row is None and here in _app_fields(doctype):
			continue
		if row is None:
			wrong.append(f"{fieldname}: missing")
		elif target and (row["fieldtype"], row.get("options")) != ("Link", target):
			wrong.append(f"{fieldname}: {row['fieldtype']} {row.get('options')}, not a Link to {target}")
	assert wrong == []


@pytest.mark.parametrize("roots", VERSIONS)
@pytest.mark.parametrize("doctype", ["Opportunity", "CRM Deal"])
def test_a_pipeline_declaration_groups_every_status_the_doctype_has(roots, doctype):
	"""Every status the DocType allows (its Select options, or its status DocType's type options) is in
	exactly one group, so no document falls out of the pipeline's counts."""
	from opportunity_pipeline.pipeline_document import PIPELINE_DOCUMENTS, StatusTypes

	document = PIPELINE_DOCUMENTS[doctype]
	if doctype_json(roots, doctype) is None:
		pytest.skip(f"no {doctype} in these sources")
	statuses = document.statuses
	if isinstance(statuses, StatusTypes):
		owner, fieldname = statuses.doctype, statuses.type_field
	else:
		owner, fieldname = doctype, document.status_field
	row = next(row for row in doctype_json(roots, owner)["fields"] if row["fieldname"] == fieldname)
	groups = document.status_groups
	assert sorted(groups.open + groups.finished) == sorted(filter(None, row["options"].split("\n")))


@pytest.mark.parametrize("roots", VERSIONS)
@pytest.mark.parametrize("doctype", ["Opportunity", "CRM Deal"])
def test_what_answers_a_document_has_the_fields_its_declaration_names(roots, doctype):
	"""The records the auto-close counts as a response (a declaration's `responses`): each field it reads."""
	from opportunity_pipeline.pipeline_document import PIPELINE_DOCUMENTS

	if doctype_json(roots, doctype) is None:
		pytest.skip(f"no {doctype} in these sources")
	missing = []
	for response in PIPELINE_DOCUMENTS[doctype].responses:
		fields = fields_of(roots, response.doctype) | {"creation", "modified"}
		named = [response.reference_doctype_field, response.reference_name_field, response.date_field]
		if response.only_where:
			named.append(response.only_where[0])
		missing += [f"{response.doctype}.{field}" for field in named if field not in fields]
	assert missing == []


@pytest.mark.parametrize("roots", VERSIONS)
@pytest.mark.parametrize("doctype", ["Opportunity", "CRM Deal"])
def test_the_declared_stages_are_ordered_by_a_field_they_have(roots, doctype):
	from opportunity_pipeline.pipeline_document import PIPELINE_DOCUMENTS

	if doctype_json(roots, doctype) is None:
		pytest.skip(f"no {doctype} in these sources")
	document = PIPELINE_DOCUMENTS[doctype]
	stage = document.stage.doctype
	assert document.stage_order_field in fields_of(roots, stage) | _app_fields(stage)
	# A stage's own probability: what a document at it gets when the learned one does not apply.
	assert "probability" in fields_of(roots, stage) | _app_fields(stage)


# Frappe CRM's own records the app reads beside CRM Deal: the status change log (the declaration's
# status_log: a stay's start and end), the deal page's side panel layout and its form script (frappe_crm.py).
CRM_FIELDS = {
	"CRM Status Change Log": ("from_date", "to", "from", "from_type"),
	"CRM Fields Layout": ("dt", "type", "layout"),
	"CRM Form Script": ("dt", "view", "enabled", "script"),
}
# Frappe CRM's functions the app's views of stalled deals are made with (frappe_crm.add_stalled_deal_views).
CRM_VIEW_FUNCTIONS = ("get_route_name", "sync_default_rows")


@pytest.mark.parametrize("roots", VERSIONS)
def test_frappe_crms_records_the_app_reads_have_their_fields(roots):
	from opportunity_pipeline.pipeline_document import CRM_DEAL

	data = doctype_json(roots, "CRM Deal")
	if data is None:
		pytest.skip("no Frappe CRM in these sources")
	log = next(row for row in data["fields"] if row["fieldname"] == CRM_DEAL.status_log.fieldname)
	assert (log["fieldtype"], log["options"]) == ("Table", CRM_DEAL.status_log.doctype)
	missing = [
		f"{doctype}.{field}"
		for doctype, fields in CRM_FIELDS.items()
		for field in fields
		if field not in fields_of(roots, doctype)
	]
	assert missing == []


@pytest.mark.parametrize("roots", VERSIONS)
def test_the_views_of_stalled_deals_fit_frappe_crms_view_settings_and_deal(roots):
	"""Each field a view of stalled deals fills is a CRM View Settings field, each field it shows a deal
	field, and Frappe CRM's functions it is made with are there (pipeline_health/crm_views.py)."""
	from opportunity_pipeline.pipeline_health.crm_views import stalled_views

	settings = doctype_json(roots, "CRM View Settings")
	if settings is None:
		pytest.skip("no Frappe CRM in these sources")
	views = stalled_views("CRM Deal", "Deals", [])
	view_fields = fields_of(roots, "CRM View Settings") | {"name"}
	assert sorted({key for view in views for key in view} - view_fields) == []
	deal_fields = fields_of(roots, "CRM Deal") | _app_fields("CRM Deal") | {"name", "modified"}
	shown = {row for view in views for row in json.loads(view["rows"])}
	assert sorted(shown - deal_fields) == []
	crm_root = roots[2]
	module = crm_root / "crm/fcrm/doctype/crm_view_settings/crm_view_settings.py"
	tree = ast.parse(module.read_text())
	assert [name for name in CRM_VIEW_FUNCTIONS if find_function(tree, name) is None] == []


@pytest.mark.parametrize("roots", VERSIONS)
def test_every_field_the_move_to_frappe_crm_maps_exists_on_both_sides(roots):
	"""Each record move (crm_move/mapping.py): its source fields on ERPNext's DocType (under the name a
	later version gave one), its target fields on Frappe CRM's (or the app's own custom fields there), and
	each master field linking to the master it says on both sides."""
	from opportunity_pipeline.crm_move.mapping import MASTERS, RECORD_MOVES

	if doctype_json(roots, "CRM Deal") is None:
		pytest.skip("no Frappe CRM in these sources")
	wrong = []
	for move in RECORD_MOVES:
		source = {row["fieldname"]: row for row in doctype_json(roots, move.source)["fields"]}
		target = {row["fieldname"]: row for row in doctype_json(roots, move.target)["fields"]}
		for source_field, target_field in move.fields.items():
			master = move.masters.get(source_field)
			if source_field not in source and source_field in move.renamed:
				source_field, master = move.renamed[source_field]
			if source_field not in source and source_field not in _app_fields(move.source):
				wrong.append(f"{move.source}.{source_field}: missing")
			if target_field not in target and target_field not in _app_fields(move.target):
				wrong.append(f"{move.target}.{target_field}: missing")
			if master and source[source_field].get("options") != master:
				wrong.append(f"{move.source}.{source_field}: not a Link to {master}")
			if master and target[target_field].get("options") != MASTERS[master]:
				wrong.append(f"{move.target}.{target_field}: not a Link to {MASTERS[master]}")
	assert wrong == []


@pytest.mark.parametrize("roots", VERSIONS)
def test_what_the_move_writes_beside_its_mappings_exists(roots):
	"""The fields crm_move/move.py fills by hand on Frappe CRM's side, and reads on ERPNext's, and the
	names its masters and lead statuses take (crm_move/mapping.py, crm_move/rules.py)."""
	from opportunity_pipeline.crm_move.mapping import MASTER_NAME_FIELDS
	from opportunity_pipeline.crm_move.rules import LEAD_STATUSES

	if doctype_json(roots, "CRM Deal") is None:
		pytest.skip("no Frappe CRM in these sources")
	written = {
		"CRM Deal": {"status", "organization", "lead", "lead_name", "email", "mobile_no", "phone", "contact"}
		| {"exchange_rate", "total", "net_total", "lost_reason", "lost_notes", "closed_date"}
		| {"communication_status", "naming_series"},
		"CRM Lead": {"first_name", "lead_name", "status", "converted", "naming_series"},
		"CRM Products": {"product_name", "net_amount"},
		"CRM Contacts": {"contact", "full_name", "email", "mobile_no", "phone", "gender", "is_primary"},
		"CRM Status Change Log": {"from", "from_type", "from_date", "to", "to_type", "to_date", "duration"}
		| {"log_owner"},
		"FCRM Note": {"title", "content", "reference_doctype", "reference_docname"},
		"Opportunity": {"contact_display", "customer_name", "contact_email", "contact_mobile", "phone"}
		| {"contact_person", "conversion_rate", "order_lost_reason", "lost_reasons", "competitors"},
		"Lead": {"lead_name", "status"},
		**{doctype: {field} for doctype, field in MASTER_NAME_FIELDS.items()},
	}
	missing = [
		f"{doctype}.{field}"
		for doctype, fields in written.items()
		for field in sorted(fields - fields_of(roots, doctype) - _app_fields(doctype))
	]
	assert missing == []
	lead_status = next(row for row in doctype_json(roots, "Lead")["fields"] if row["fieldname"] == "status")
	assert set(LEAD_STATUSES) == set(lead_status["options"].split("\n"))
