"""The app's customisations of ERPNext DocTypes, as shipped in custom/*.json."""

import json

import pytest

from conftest import MODULE_DIR

CUSTOM_FILES = sorted((MODULE_DIR / "custom").glob("*.json"))
MODULE = "Opportunity Pipeline"


def load(path):
	return json.loads(path.read_text())


def test_there_are_customisations():
	assert CUSTOM_FILES


@pytest.mark.parametrize("path", CUSTOM_FILES, ids=lambda p: p.name)
def test_file_is_synced_on_migrate_and_named_after_its_doctype(path):
	data = load(path)
	assert data["sync_on_migrate"] == 1
	assert path.stem == data["doctype"].lower().replace(" ", "_")


@pytest.mark.parametrize("path", CUSTOM_FILES, ids=lambda p: p.name)
def test_every_row_belongs_to_the_app_module_so_uninstall_removes_it(path):
	data = load(path)
	for row in data["custom_fields"] + data["property_setters"]:
		assert row["module"] == MODULE, row["name"]


@pytest.mark.parametrize("path", CUSTOM_FILES, ids=lambda p: p.name)
def test_custom_fields_are_well_formed_and_chain_in_order(path):
	data = load(path)
	names = set()
	for row in data["custom_fields"]:
		assert row["dt"] == data["doctype"]
		assert row["name"] == f"{row['dt']}-{row['fieldname']}"
		assert row["fieldname"] not in names, "duplicate fieldname"
		assert row["insert_after"], row["fieldname"]
		if row["fieldtype"] == "Link":
			assert row.get("options"), row["fieldname"]
		names.add(row["fieldname"])


def opportunity_fields():
	return {
		row["fieldname"]: row for row in load(MODULE_DIR / "custom" / "opportunity.json")["custom_fields"]
	}


def test_follow_up_fields_keep_erpnext_v13_names_and_types():
	fields = opportunity_fields()
	assert (fields["contact_by"]["fieldtype"], fields["contact_by"]["options"]) == ("Link", "User")
	assert fields["contact_date"]["fieldtype"] == "Datetime"
	assert (fields["converted_by"]["fieldtype"], fields["converted_by"]["options"]) == ("Link", "User")
	assert fields["converted_by"]["in_standard_filter"] == 1


def test_event_link_and_reminder_mark_are_not_copied_and_the_mark_is_indexed():
	fields = opportunity_fields()
	assert fields["follow_up_event"]["no_copy"] == 1
	assert fields["follow_up_reminder_due"]["no_copy"] == 1
	assert fields["follow_up_reminder_due"]["search_index"] == 1


def test_opportunity_changes_are_tracked():
	setters = load(MODULE_DIR / "custom" / "opportunity.json")["property_setters"]
	assert {(s["property"], s["value"]) for s in setters} >= {("track_changes", "1")}


def test_every_derived_field_is_read_only_in_the_form_and_never_copied():
	from opportunity_pipeline.derived_fields import DERIVED_FIELDS

	fields = opportunity_fields()
	for fieldname in DERIVED_FIELDS:
		field = fields[fieldname]
		assert field.get("read_only") or field.get("hidden"), fieldname
		assert field.get("no_copy") == 1, fieldname


def test_every_derived_field_of_a_deal_is_read_only_and_never_copied():
	from opportunity_pipeline.derived_fields import DEAL_DERIVED_FIELDS

	fields = {row["fieldname"]: row for row in load(MODULE_DIR / "custom" / "crm_deal.json")["custom_fields"]}
	for fieldname in DEAL_DERIVED_FIELDS:
		assert fields[fieldname].get("read_only") or fields[fieldname].get("hidden"), fieldname
		assert fields[fieldname].get("no_copy") == 1, fieldname


def test_auto_close_of_open_opportunities_is_off_until_a_manager_ticks_it():
	fields = {
		row["fieldname"]: row
		for row in load(MODULE_DIR / "custom" / "selling_settings.json")["custom_fields"]
	}
	assert (fields["auto_close_open"]["default"], fields["auto_close_quotation"]["default"]) == ("0", "0")
