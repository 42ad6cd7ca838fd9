"""The app's section in Frappe CRM's deal side panel (frappe_crm_side_panel.py): added once, in either
shape of layout, leaving a manager's arrangement as it is, and taken away alone."""

import copy
import json

from opportunity_pipeline.frappe_crm_side_panel import (
	FOLLOW_UP,
	FORECAST,
	SECTIONS,
	with_section,
	with_sections,
	without_app_sections,
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


def with_all(layout: list) -> list:
	for name in SECTIONS:
		layout = with_section(layout, name) or layout
	return layout


def test_the_sections_come_after_the_managers_and_leave_them_as_they_are():
	layout = with_all(copy.deepcopy(CRM_DEFAULT))
	assert layout[:2] == CRM_DEFAULT
	assert [section["name"] for section in layout[2:]] == [FOLLOW_UP, FORECAST]
	assert layout[2]["columns"][0]["fields"] == ["contact_date", "contact_by", "is_stalled"]
	assert layout[3]["columns"][0]["fields"] == ["forecast_category"]


def test_each_is_added_once():
	layout = with_all(copy.deepcopy(CRM_DEFAULT))
	assert all(with_section(layout, name) is None for name in SECTIONS)


def test_fields_a_manager_placed_elsewhere_are_not_shown_twice():
	layout = copy.deepcopy(CRM_DEFAULT)
	layout[1]["columns"][0]["fields"] += ["contact_date", "forecast_category"]
	assert with_section(layout, FOLLOW_UP) is None
	assert with_section(layout, FORECAST) is None


def test_a_layout_with_tabs_gets_the_section_in_its_first_tab():
	layout = [{"name": "first_tab", "sections": copy.deepcopy(CRM_DEFAULT)}, {"name": "more", "sections": []}]
	changed = with_section(layout, FOLLOW_UP)
	assert [section["name"] for section in changed[0]["sections"]][-1] == FOLLOW_UP
	assert changed[1]["sections"] == []


def test_an_empty_layout_gets_the_section_alone():
	assert [section["name"] for section in with_section([], FORECAST)] == [FORECAST]


def test_uninstall_takes_away_only_the_apps_sections():
	assert without_app_sections(with_all(copy.deepcopy(CRM_DEFAULT))) == CRM_DEFAULT
	assert without_app_sections(copy.deepcopy(CRM_DEFAULT)) is None


def test_the_sections_fields_are_the_apps_deal_fields():
	custom = json.loads((MODULE_DIR / "custom" / "crm_deal.json").read_text())
	fields = {field for _label, section_fields in SECTIONS.values() for field in section_fields}
	assert fields <= {field["fieldname"] for field in custom["custom_fields"]}


def test_every_missing_section_comes_in_one_change():
	layout = with_sections(copy.deepcopy(CRM_DEFAULT), list(SECTIONS))
	assert layout == with_all(copy.deepcopy(CRM_DEFAULT))
	assert with_sections(layout, list(SECTIONS)) is None
	only_forecast = with_sections(with_section(copy.deepcopy(CRM_DEFAULT), FOLLOW_UP), [FORECAST])
	assert [section["name"] for section in only_forecast[2:]] == [FOLLOW_UP, FORECAST]
