"""The app's section in Frappe CRM's deal side panel (frappe_crm_side_panel.py): added once, in either
shape of layout, leaving a manager's arrangement as it is, and taken away alone."""

import copy
import json

from opportunity_pipeline.frappe_crm_side_panel import (
	FIELDS,
	SECTION_NAME,
	with_follow_up,
	without_follow_up,
)

from conftest import MODULE_DIR

# Frappe CRM's own default (crm/install.py, "CRM Deal-Side Panel").
CRM_DEFAULT = [
	{"label": "Contacts", "name": "contacts_section", "opened": True, "editable": False, "contacts": []},
	{
		"label": "Organization Details",
		"name": "organization_section",
		"opened": True,
		"columns": [
			{"name": "column_na2Q", "fields": ["organization", "website", "territory", "deal_owner"]}
		],
	},
]


def test_the_section_comes_after_the_managers_and_leaves_them_as_they_are():
	layout = with_follow_up(copy.deepcopy(CRM_DEFAULT))
	assert layout[:2] == CRM_DEFAULT
	assert layout[2]["name"] == SECTION_NAME
	assert layout[2]["columns"][0]["fields"] == list(FIELDS)


def test_it_is_added_once():
	layout = with_follow_up(copy.deepcopy(CRM_DEFAULT))
	assert with_follow_up(layout) is None


def test_fields_a_manager_placed_elsewhere_are_not_shown_twice():
	layout = copy.deepcopy(CRM_DEFAULT)
	layout[1]["columns"][0]["fields"].append("contact_date")
	assert with_follow_up(layout) is None


def test_a_layout_with_tabs_gets_the_section_in_its_first_tab():
	layout = [{"name": "first_tab", "sections": copy.deepcopy(CRM_DEFAULT)}, {"name": "more", "sections": []}]
	changed = with_follow_up(layout)
	assert [section["name"] for section in changed[0]["sections"]][-1] == SECTION_NAME
	assert changed[1]["sections"] == []


def test_an_empty_layout_gets_the_section_alone():
	assert [section["name"] for section in with_follow_up([])] == [SECTION_NAME]


def test_uninstall_takes_away_only_the_apps_section():
	assert without_follow_up(with_follow_up(copy.deepcopy(CRM_DEFAULT))) == CRM_DEFAULT
	assert without_follow_up(copy.deepcopy(CRM_DEFAULT)) is None


def test_the_sections_fields_are_the_apps_deal_fields():
	custom = json.loads((MODULE_DIR / "custom" / "crm_deal.json").read_text())
	assert set(FIELDS) <= {field["fieldname"] for field in custom["custom_fields"]}
