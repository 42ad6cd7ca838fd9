"""The workspace and the records it shows: number cards, dashboard charts, reports."""

import json

import pytest

from conftest import MODULE_DIR

WORKSPACE = json.loads(
	(MODULE_DIR / "workspace" / "opportunity_pipeline" / "opportunity_pipeline.json").read_text()
)
ERPNEXT_REPORTS = {"Sales Pipeline Analytics", "Opportunity Summary by Sales Stage"}


def shipped(kind):
	return {
		json.loads(path.read_text())["name"]: json.loads(path.read_text())
		for path in (MODULE_DIR / kind).glob("*/*.json")
	}


def blocks(kind):
	return [block["data"] for block in json.loads(WORKSPACE["content"]) if block["type"] == kind]


def test_every_block_of_the_layout_has_its_record_in_the_workspace():
	assert {b["number_card_name"] for b in blocks("number_card")} == {
		c["number_card_name"] for c in WORKSPACE["number_cards"]
	}
	assert {b["chart_name"] for b in blocks("chart")} == {c["chart_name"] for c in WORKSPACE["charts"]}
	assert {b["shortcut_name"] for b in blocks("shortcut")} == {s["label"] for s in WORKSPACE["shortcuts"]}
	card_breaks = {link["label"] for link in WORKSPACE["links"] if link["type"] == "Card Break"}
	assert {b["card_name"] for b in blocks("card")} == card_breaks


def test_cards_and_charts_are_the_apps_own_standard_records():
	cards, charts = shipped("number_card"), shipped("dashboard_chart")
	for row in WORKSPACE["number_cards"]:
		assert cards[row["number_card_name"]]["is_standard"] == 1
	for row in WORKSPACE["charts"]:
		assert charts[row["chart_name"]]["is_standard"] == 1
	for card in cards.values():
		if card["type"] == "Custom":
			assert card["method"].startswith("opportunity_pipeline.api."), card["name"]


@pytest.mark.parametrize(
	"doctype",
	["Opportunity", "Lead", "Prospect", "Quotation", "Supplier Quotation", "Event"],
)
def test_the_pipeline_documents_and_the_follow_up_calendar_have_shortcuts(doctype):
	assert doctype in {s["link_to"] for s in WORKSPACE["shortcuts"] if s["type"] == "DocType"}


def test_the_event_shortcut_opens_the_calendar():
	calendar = [s for s in WORKSPACE["shortcuts"] if s["link_to"] == "Event"]
	assert [s.get("doc_view") for s in calendar] == ["Calendar"]


def test_reports_linked_are_the_apps_or_erpnexts():
	reports = shipped("report")
	linked = {link["link_to"] for link in WORKSPACE["links"] if link.get("link_type") == "Report"}
	assert set(reports) <= linked
	assert linked <= set(reports) | ERPNEXT_REPORTS
	kanban = [s for s in WORKSPACE["shortcuts"] if s.get("doc_view") == "Kanban"]
	assert kanban[0]["kanban_board"] == "Opportunities by Sales Stage"


def test_the_forecast_chart_uses_the_forecast_report():
	chart = shipped("dashboard_chart")["Weighted Pipeline by Closing Month"]
	assert (chart["chart_type"], chart["report_name"], chart["use_report_chart"]) == (
		"Report",
		"Opportunity Pipeline Forecast",
		1,
	)
