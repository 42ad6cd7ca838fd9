"""The app's public views of stalled deals in Frappe CRM's list and kanban (pipeline_health/crm_views.py):
what they filter on and show is the app's Stalled flag and fields a deal has."""

import json

from opportunity_pipeline.pipeline_health.crm_views import (
	KANBAN_FIELDS,
	KANBAN_LABEL,
	KANBAN_TITLE_FIELD,
	LABEL,
	STALLED_FIELD,
	stalled_views,
)

from conftest import MODULE_DIR

# Frappe CRM's own CRM Deal fields the views show (crm/fcrm/doctype/crm_deal/crm_deal.json).
CRM_DEAL_FIELDS = {"organization", "status", "deal_value", "deal_owner", "currency"}
FRAMEWORK_FIELDS = {"name", "modified"}


def views():
	return {view["type"]: view for view in stalled_views("CRM Deal", "Deals", ["name", "currency", "status"])}


def app_deal_fields() -> set[str]:
	custom = json.loads((MODULE_DIR / "custom" / "crm_deal.json").read_text())
	return {field["fieldname"] for field in custom["custom_fields"]}


def test_a_public_list_and_kanban_each_labelled_filtered_on_the_stalled_flag():
	made = views()
	assert {kind: view["label"] for kind, view in made.items()} == {"list": LABEL, "kanban": KANBAN_LABEL}
	for view in made.values():
		assert (view["public"], view["user"], view["dt"]) == (1, "", "CRM Deal")
		assert json.loads(view["filters"]) == {STALLED_FIELD: 1}


def test_the_list_shows_the_flag_as_a_check_column_and_reads_what_it_shows():
	made = views()["list"]
	columns = json.loads(made["columns"])
	assert {"key": STALLED_FIELD, "type": "Check"} in [{"key": c["key"], "type": c["type"]} for c in columns]
	rows = json.loads(made["rows"])
	assert {column["key"] for column in columns} <= set(rows)
	assert "currency" in rows, "Frappe CRM formats an amount with the deal's currency"
	assert len(rows) == len(set(rows))


def test_the_kanban_draws_a_column_per_status_when_opened_and_reads_its_cards_fields():
	made = views()["kanban"]
	assert (made["column_field"], json.loads(made["kanban_columns"])) == ("status", [])
	assert json.loads(made["kanban_fields"]) == list(KANBAN_FIELDS)
	assert {KANBAN_TITLE_FIELD, *KANBAN_FIELDS} <= set(json.loads(made["rows"]))


def test_every_field_shown_is_a_deal_field():
	known = CRM_DEAL_FIELDS | FRAMEWORK_FIELDS | app_deal_fields()
	made = views()
	shown = {column["key"] for column in json.loads(made["list"]["columns"])}
	shown |= {KANBAN_TITLE_FIELD, *KANBAN_FIELDS}
	assert shown <= known, shown - known
