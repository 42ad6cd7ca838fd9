"""The move from ERPNext's CRM to Frappe CRM decided without Frappe: which CRM Deal Status an
opportunity's status may become, what keeps an opportunity from moving, whether one moved before moves
again, and how the pipeline compares before and after the move (the reconciliation)."""

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from itertools import pairwise

from opportunity_pipeline.pipeline_document import CRM_DEAL, NO_COMPANY, OPPORTUNITY
from opportunity_pipeline.pipeline_history.rules import (
	TRACKED_FIELDS,
	ends_follow_up,
	next_contact_since,
	next_stage_fields,
	span_class,
)


def allowed_types(status: str) -> tuple[str, ...]:
	"""The CRM Deal Status types an opportunity's status may become: still open stays open, won stays won,
	lost stays lost; closed (finished with no answer) becomes lost or paused, as the manager chooses."""
	erpnext, crm = OPPORTUNITY.status_groups, CRM_DEAL.status_groups
	if status in erpnext.open:
		return crm.open
	if status in erpnext.won:
		return crm.won
	if status in erpnext.lost:
		return crm.lost
	if status in erpnext.closed:
		return crm.lost + crm.paused
	return ()


def suggested_status_map(opportunity_statuses, deal_statuses: list[tuple[str, str]]) -> dict:
	"""A first status table for the manager to review: each opportunity status becomes the first deal
	status (in Frappe CRM's pipeline order, `deal_statuses` as (name, type)) of the first type it may
	become that the site has (Closed: a lost one before a paused one), None where the site has none."""

	def first_of(status):
		for kind in allowed_types(status):
			for name, its_kind in deal_statuses:
				if its_kind == kind:
					return name
		return None

	return {status: first_of(status) for status in opportunity_statuses}


class StatusMapProblem(Enum):
	"""Why a row of the manager's status table cannot be used."""

	NOT_CHOSEN = "not chosen"
	NO_SUCH_STATUS = "no such status"
	WRONG_TYPE = "wrong type"


def status_map_problems(status_map: dict[str, str | None], type_of: dict[str, str]) -> dict:
	"""Opportunity status -> why its row cannot be used, for every status of the table (`status_map`:
	opportunity status -> the CRM Deal Status chosen; `type_of`: every CRM Deal Status -> its type)."""
	problems = {}
	for status, chosen in status_map.items():
		if not chosen:
			problems[status] = StatusMapProblem.NOT_CHOSEN
		elif chosen not in type_of:
			problems[status] = StatusMapProblem.NO_SUCH_STATUS
		elif type_of[chosen] not in allowed_types(status):
			problems[status] = StatusMapProblem.WRONG_TYPE
	return problems


class RecordProblem(Enum):
	"""Why an opportunity cannot move; the move lists it and goes on with the others."""

	UNMAPPED_STATUS = "unmapped status"
	NO_PARTY = "no party"
	NO_EXCHANGE_RATE = "no exchange rate"
	LEAD_CONVERTED_ELSEWHERE = "lead converted elsewhere"


@dataclass(frozen=True)
class OpportunityFacts:
	"""What the checks read of one opportunity, as plain values."""

	status: str
	party_exists: bool
	currency: str | None
	company_currency: str | None
	exchange_rate: float | None
	# Where the party is a Lead that became a customer: whether that customer is what the opportunity is
	# about (its other opportunities moved with the customer), or another one.
	lead_converted_elsewhere: bool = False


def opportunity_problems(facts: OpportunityFacts, usable_statuses) -> list[RecordProblem]:
	"""Every reason the opportunity cannot move, in a fixed order (none: it moves)."""
	problems = []
	if facts.status not in usable_statuses:
		problems.append(RecordProblem.UNMAPPED_STATUS)
	if not facts.party_exists:
		problems.append(RecordProblem.NO_PARTY)
	foreign = facts.currency and facts.company_currency and facts.currency != facts.company_currency
	if foreign and not facts.exchange_rate:
		problems.append(RecordProblem.NO_EXCHANGE_RATE)
	if facts.lead_converted_elsewhere:
		problems.append(RecordProblem.LEAD_CONVERTED_ELSEWHERE)
	return problems


class MoveAction(Enum):
	CREATE = "create"
	UPDATE = "update"
	SKIP = "skip"


def move_action(source_modified: datetime, moved_modified: datetime | None) -> MoveAction:
	"""A record never moved is created; one changed since its move is moved again (its deal updated); the
	others are left: a second run moves only what is new or changed."""
	if moved_modified is None:
		return MoveAction.CREATE
	if source_modified > moved_modified:
		return MoveAction.UPDATE
	return MoveAction.SKIP


def reconcile(before: dict, after: dict, status_map: dict[str, str]) -> list[dict]:
	"""The pipeline before and after the move, per deal status and month: `before` maps (opportunity
	status, month) to (count, amount) of the opportunities, summed here over the statuses that become each
	deal status; `after` maps (deal status, month) to those of the deals the move made. A row per deal
	status and month on either side, with the differences: none where everything moved."""
	expected = {}
	for (status, month), (count, amount) in before.items():
		key = (status_map.get(status), month)
		known_count, known_amount = expected.get(key, (0, 0.0))
		expected[key] = (known_count + count, known_amount + amount)
	rows = []
	for deal_status, month in sorted(set(expected) | set(after), key=lambda key: (key[1], key[0] or "")):
		count_before, amount_before = expected.get((deal_status, month), (0, 0.0))
		count_after, amount_after = after.get((deal_status, month), (0, 0.0))
		rows.append(
			{
				"deal_status": deal_status,
				"month": month,
				"statuses": sorted(status for status, chosen in status_map.items() if chosen == deal_status),
				"count_before": count_before,
				"count_after": count_after,
				"count_difference": count_after - count_before,
				"amount_before": amount_before,
				"amount_after": amount_after,
				"amount_difference": amount_after - amount_before,
			}
		)
	return rows


# What an ERPNext lead's status becomes among Frappe CRM's default lead statuses (crm/install.py); a site
# without that status gets its first lead status instead.
LEAD_STATUSES = {
	"Lead": "New",
	"Open": "New",
	"Replied": "Contacted",
	"Interested": "Nurture",
	"Opportunity": "Qualified",
	"Quotation": "Qualified",
	"Converted": "Qualified",
	"Lost Quotation": "Unqualified",
	"Do Not Contact": "Junk",
}


def lead_status(erpnext_status: str | None, site_statuses: list[str]) -> str | None:
	"""The CRM Lead Status an ERPNext lead gets (`site_statuses` in Frappe CRM's order)."""
	preferred = LEAD_STATUSES.get(erpnext_status or "")
	if preferred in site_statuses:
		return preferred
	return site_statuses[0] if site_statuses else None


def lost_notes(
	detail: str | None,
	reasons: list[str],
	competitors: list[str],
	labels: tuple[str, str] = ("Lost reasons", "Competitors"),
) -> str | None:
	"""A deal keeps one lost reason; the opportunity's others, its competitors and its own words go in the
	deal's lost notes, so nothing the sales person wrote is dropped. `labels`: the two headings, in the
	site's language (the move translates them)."""
	lines = []
	if detail:
		lines.append(detail)
	if len(reasons) > 1:
		lines.append(f"{labels[0]}: " + ", ".join(reasons))
	if competitors:
		lines.append(f"{labels[1]}: " + ", ".join(competitors))
	return "\n".join(lines) or None


def deal_history(rows: list[dict], deal_status_of: dict, open_deal_statuses) -> list[dict]:
	"""An opportunity's pipeline history rows (in order of valid_from) as its deal's: each status becomes
	its deal status, which is also the deal's stage, the company none. Rows that then differ in nothing
	tracked merge into one, and each stay's fields (stage_since, left_stage, stage_days, contact_since,
	ends_follow_up) are worked out again by the rules the history is written with, so the deal's history
	reads as if it had been recorded on the deal."""
	moved = []
	for row in rows:
		status = deal_status_of[row["status"]]
		state = {
			**row,
			"company": NO_COMPANY,
			"status": status,
			"sales_stage": status,
			"opportunity_type": None,
		}
		previous = moved[-1] if moved and moved[-1]["valid_to"] == row["valid_from"] else None
		if previous and all(previous[field] == state[field] for field in TRACKED_FIELDS):
			previous["valid_to"] = row["valid_to"]
			previous["span_class"] = span_class(previous["valid_from"], row["valid_to"])
			previous["deleted"] = row.get("deleted", 0)
			continue
		state.update(next_stage_fields(previous, state, row["valid_from"], open_deal_statuses))
		state["contact_since"] = next_contact_since(previous, state, row["valid_from"], open_deal_statuses)
		moved.append(state)
	for row, following in pairwise(moved):
		if row["valid_to"] == following["valid_from"]:
			row["ends_follow_up"] = int(ends_follow_up(row, following, row["valid_to"], open_deal_statuses))
	return moved


def status_stays(history: list[dict]) -> list[dict]:
	"""A deal's stays in each status from its history rows, for Frappe CRM's status change log: status,
	from, and the next status with when it came (none for the stay it is still in)."""
	stays = []
	for row in history:
		if stays and stays[-1]["status"] == row["status"]:
			continue
		if stays:
			stays[-1]["to"], stays[-1]["to_date"] = row["status"], row["valid_from"]
		stays.append({"status": row["status"], "from_date": row["valid_from"], "to": None, "to_date": None})
	return stays
