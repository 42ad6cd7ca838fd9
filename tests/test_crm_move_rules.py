"""The move from ERPNext's CRM to Frappe CRM (issue #29), decided without Frappe."""

from datetime import datetime

import pytest

from opportunity_pipeline.crm_move.mapping import MASTER_NAME_FIELDS, MASTERS, RECORD_MOVES
from opportunity_pipeline.crm_move.rules import (
	LEAD_STATUSES,
	MoveAction,
	OpportunityFacts,
	RecordProblem,
	StatusMapProblem,
	allowed_types,
	deal_history,
	lead_status,
	lost_notes,
	move_action,
	opportunity_problems,
	reconcile,
	status_map_problems,
	status_stays,
	suggested_status_map,
)

DEAL_STATUS_TYPES = {
	"Qualification": "Open",
	"Negotiation": "Ongoing",
	"Paused": "On Hold",
	"Won": "Won",
	"Lost": "Lost",
}


@pytest.mark.parametrize(
	("status", "types"),
	[
		("Open", ("Open", "Ongoing", "On Hold")),
		("Replied", ("Open", "Ongoing", "On Hold")),
		("Quotation", ("Open", "Ongoing", "On Hold")),
		("Converted", ("Won",)),
		("Lost", ("Lost",)),
		("Closed", ("Lost", "On Hold")),
		("Nonsense", ()),
	],
)
def test_each_status_becomes_a_deal_status_of_its_own_kind(status, types):
	assert allowed_types(status) == types


def test_the_status_table_refuses_what_cannot_be_used_and_says_why():
	table = {
		"Open": "Qualification",
		"Replied": "Negotiation",
		"Quotation": None,
		"Converted": "Lost",
		"Lost": "Gone",
		"Closed": "Lost",
	}
	assert status_map_problems(table, DEAL_STATUS_TYPES) == {
		"Quotation": StatusMapProblem.NOT_CHOSEN,
		"Converted": StatusMapProblem.WRONG_TYPE,
		"Lost": StatusMapProblem.NO_SUCH_STATUS,
	}


def test_the_first_table_suggests_the_first_status_of_a_fitting_type():
	deal_statuses = list(DEAL_STATUS_TYPES.items())
	assert suggested_status_map(["Open", "Converted", "Closed"], deal_statuses) == {
		"Open": "Qualification",
		"Converted": "Won",
		"Closed": "Lost",
	}
	assert suggested_status_map(["Converted"], [("Qualification", "Open")]) == {"Converted": None}


def facts(**values):
	return OpportunityFacts(
		**{
			"status": "Open",
			"party_exists": True,
			"currency": "EUR",
			"company_currency": "EUR",
			"exchange_rate": 1.0,
			**values,
		}
	)


def test_a_sound_opportunity_moves():
	assert opportunity_problems(facts(), {"Open"}) == []


def test_every_reason_an_opportunity_cannot_move_is_listed():
	bad = facts(
		status="Quotation",
		party_exists=False,
		currency="USD",
		exchange_rate=0,
		lead_converted_elsewhere=True,
	)
	assert opportunity_problems(bad, {"Open"}) == [
		RecordProblem.UNMAPPED_STATUS,
		RecordProblem.NO_PARTY,
		RecordProblem.NO_EXCHANGE_RATE,
		RecordProblem.LEAD_CONVERTED_ELSEWHERE,
	]


def test_the_company_currency_needs_no_rate():
	assert opportunity_problems(facts(exchange_rate=None), {"Open"}) == []


def test_a_second_run_moves_only_what_is_new_or_changed():
	moved = datetime(2026, 12, 1, 10)
	assert move_action(datetime(2026, 11, 30), None) == MoveAction.CREATE
	assert move_action(datetime(2026, 12, 2), moved) == MoveAction.UPDATE
	assert move_action(datetime(2026, 11, 30), moved) == MoveAction.SKIP
	assert move_action(moved, moved) == MoveAction.SKIP


def test_the_reconciliation_sums_the_statuses_that_become_one_deal_status():
	status_map = {"Open": "Qualification", "Replied": "Qualification", "Converted": "Won", "Lost": None}
	before = {
		("Open", "2026-10"): (3, 300.0),
		("Replied", "2026-10"): (2, 200.0),
		("Converted", "2026-11"): (1, 100.0),
		("Lost", "2026-11"): (4, 40.0),
	}
	after = {("Qualification", "2026-10"): (5, 500.0), ("Won", "2026-11"): (1, 90.0)}
	rows = {(row["deal_status"], row["month"]): row for row in reconcile(before, after, status_map)}
	assert rows["Qualification", "2026-10"]["statuses"] == ["Open", "Replied"]
	assert (
		rows["Qualification", "2026-10"]["count_difference"],
		rows["Qualification", "2026-10"]["amount_difference"],
	) == (0, 0.0)
	assert rows["Won", "2026-11"]["amount_difference"] == -10.0
	# What was not mapped did not move: its row shows all of it missing.
	assert (rows[None, "2026-11"]["count_before"], rows[None, "2026-11"]["count_after"]) == (4, 0)


def test_every_master_a_move_names_is_declared():
	for move in RECORD_MOVES:
		assert set(move.masters) <= set(move.fields), move.source
		assert set(move.masters.values()) <= set(MASTERS), move.source


# The move's own work ------------------------------------------------------------------------------------

DEAL_OF = {
	"Open": "Qualification",
	"Replied": "Qualification",
	"Quotation": "Negotiation",
	"Converted": "Won",
}
OPEN_DEAL_STATUSES = ("Qualification", "Negotiation")


def history_row(status, stage, start, end, **values):
	return {
		"company": "_Co",
		"status": status,
		"sales_stage": stage,
		"amount": 100,
		"probability": 10,
		"expected_closing": None,
		"opportunity_owner": "a@example.com",
		"contact_by": None,
		"contact_date": None,
		"territory": "All",
		"opportunity_type": "Sales",
		"source": None,
		"valid_from": datetime(2026, 1, start),
		"valid_to": datetime(2026, 1, end) if end else None,
		"origin": "Recorded",
		"changed_by": "a@example.com",
		"deleted": 0,
		"stage_since": None,
		"left_stage": None,
		"stage_days": 0,
		"contact_since": None,
		"ends_follow_up": 0,
		"span_class": 0,
		**values,
	}


def test_a_change_of_sales_stage_alone_is_no_change_on_the_deal():
	"""Open and Replied both become Qualification: on the deal, the first three rows are one stay."""
	rows = [
		history_row("Open", "Prospecting", 1, 3),
		history_row("Open", "Qualification", 3, 5),
		history_row("Replied", "Qualification", 5, 9),
		history_row("Quotation", "Proposal", 9, 20),
		history_row("Converted", "Proposal", 20, None),
	]
	moved = deal_history(rows, DEAL_OF, OPEN_DEAL_STATUSES)
	assert [
		(row["status"], row["valid_from"].day, row["valid_to"] and row["valid_to"].day) for row in moved
	] == [
		("Qualification", 1, 9),
		("Negotiation", 9, 20),
		("Won", 20, None),
	]
	assert {(row["company"], row["opportunity_type"]) for row in moved} == {("", None)}
	assert moved[0]["sales_stage"] == "Qualification"
	assert moved[0]["span_class"] == 4  # 8 days: at most 2^3
	# Each stay's fields worked out on the deal's stages: 8 days in Qualification, 11 in Negotiation.
	assert [(row["left_stage"], row["stage_days"]) for row in moved] == [
		(None, 0),
		("Qualification", 8),
		("Negotiation", 11),
	]
	assert [row["stage_since"] and row["stage_since"].day for row in moved] == [1, 9, 9]


def test_the_status_log_is_one_stay_per_status_the_last_one_open():
	rows = deal_history(
		[
			history_row("Open", "A", 1, 4),
			history_row("Quotation", "A", 4, 6),
			history_row("Converted", "A", 6, None),
		],
		DEAL_OF,
		OPEN_DEAL_STATUSES,
	)
	assert [(stay["status"], stay["from_date"].day, stay["to"]) for stay in status_stays(rows)] == [
		("Qualification", 1, "Negotiation"),
		("Negotiation", 4, "Won"),
		("Won", 6, None),
	]


def test_a_follow_up_done_by_the_change_that_came_is_marked_on_the_deal():
	due = datetime(2026, 1, 4)
	rows = [
		history_row("Open", "A", 1, 5, contact_date=due, contact_since=datetime(2026, 1, 1)),
		history_row("Quotation", "A", 5, None),
	]
	moved = deal_history(rows, DEAL_OF, OPEN_DEAL_STATUSES)
	assert [row["ends_follow_up"] for row in moved] == [1, 0]
	assert moved[0]["contact_since"] == datetime(2026, 1, 1)


@pytest.mark.parametrize(
	("erpnext", "site", "expected"),
	[
		("Opportunity", ["New", "Contacted", "Qualified"], "Qualified"),
		("Do Not Contact", ["New", "Junk"], "Junk"),
		("Do Not Contact", ["Fresh", "Old"], "Fresh"),  # the site renamed Frappe CRM's statuses
		(None, ["New"], "New"),
		("Lead", [], None),
	],
)
def test_a_lead_gets_the_crm_lead_status_of_the_same_meaning(erpnext, site, expected):
	assert lead_status(erpnext, site) == expected


def test_every_erpnext_lead_status_has_a_crm_one():
	assert set(LEAD_STATUSES) == {
		"Lead",
		"Open",
		"Replied",
		"Opportunity",
		"Quotation",
		"Lost Quotation",
		"Interested",
		"Converted",
		"Do Not Contact",
	}


def test_nothing_the_sales_person_wrote_about_a_loss_is_dropped():
	assert lost_notes("Too dear", ["Price", "Timing"], ["Rival"]) == (
		"Too dear\nLost reasons: Price, Timing\nCompetitors: Rival"
	)
	assert lost_notes(None, ["Price"], []) is None  # the one reason is the deal's lost reason


def test_each_master_has_the_field_it_is_named_by():
	assert set(MASTER_NAME_FIELDS) == set(MASTERS.values())
