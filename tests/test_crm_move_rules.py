"""The move from ERPNext's CRM to Frappe CRM (issue #29), decided without Frappe."""

from datetime import datetime

import pytest

from opportunity_pipeline.crm_move.mapping import MASTERS, RECORD_MOVES
from opportunity_pipeline.crm_move.rules import (
	MoveAction,
	OpportunityFacts,
	RecordProblem,
	StatusMapProblem,
	allowed_types,
	move_action,
	opportunity_problems,
	reconcile,
	status_map_problems,
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
