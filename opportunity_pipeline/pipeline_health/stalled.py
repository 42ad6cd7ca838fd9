"""Keeps Opportunity's derived Stalled flag (is_stalled) true to rules.is_stalled, set-based: every day
(time alone makes an opportunity stalled), after each change of an opportunity, and for a stage whose
Stalled After changes. The flag is what the list's indicator, the kanban's tint, the forecast and the
digest read, through an index.

The daily refresh reads only the opportunities that are stalled or past their stage's days (through
indexes), not the whole pipeline: time alone can stall an opportunity but never unstall one."""

from pypika.terms import Criterion

import frappe
from frappe.query_builder import Case
from frappe.query_builder.terms import ValueWrapper
from frappe.utils import getdate, today

from opportunity_pipeline.pipeline_health.rules import stalled_since_before
from opportunity_pipeline.pipeline_history.record import STATE
from opportunity_pipeline.sql import DaysBetween, Qualified
from opportunity_pipeline.statuses import OPEN_STATUSES


def refresh_stalled(names=None, stage=None):
	"""Set is_stalled on the open opportunities (and those flagged before), of `names` or of `stage`
	when given. A snooze holds through its date; days in the stage come from the pipeline history."""
	opportunity = frappe.qb.DocType("Opportunity")
	current = frappe.qb.DocType(STATE).as_("current_state")
	sales_stage = frappe.qb.DocType("Sales Stage")
	day = getdate(today())
	stalled = (
		opportunity.status.isin(OPEN_STATUSES)
		& (sales_stage.stalled_after_days > 0)
		& (DaysBetween(current.stage_since, ValueWrapper(day)) > sales_stage.stalled_after_days)
		& (opportunity.stalled_snoozed_until.isnull() | (opportunity.stalled_snoozed_until < day))
	)
	condition = opportunity.status.isin(OPEN_STATUSES) | (opportunity.is_stalled == 1)
	if names is not None:
		condition &= opportunity.name.isin(list(names) or [""])
	if stage is not None:
		condition &= opportunity.sales_stage == stage
	(
		frappe.qb.update(opportunity)
		.left_join(current)
		.on(
			(current.opportunity == opportunity.name)
			& (current.document_type == "Opportunity")
			& current.valid_to.isnull()
			& (current.deleted == 0)
		)
		.left_join(sales_stage)
		.on(sales_stage.name == opportunity.sales_stage)
		.set(Qualified(opportunity.is_stalled), Case().when(stalled, 1).else_(0))
		.where(condition)
	).run()


def refresh_daily():
	"""The daily refresh: the flags that may differ from rules.is_stalled today."""
	refresh_stalled(names=_stalled_or_past_their_days(getdate(today())))


def _stalled_or_past_their_days(day) -> set:
	"""The flagged opportunities, and the open ones whose current history row entered a stage that stalls
	before its days ran out (one range of index state_stalling per such stage): as many as are stalled or
	snoozed, whatever the size of the pipeline."""
	opportunity = frappe.qb.DocType("Opportunity")
	state = frappe.qb.DocType(STATE)
	names = set(
		frappe.qb.from_(opportunity)
		.select(opportunity.name)
		.where(opportunity.is_stalled == 1)
		.run(pluck=True)
	)
	stages = frappe.get_all(
		"Sales Stage", filters={"stalled_after_days": (">", 0)}, fields=["name", "stalled_after_days"]
	)
	if stages:
		past_their_days = Criterion.any(
			(state.sales_stage == stage.name)
			& (state.stage_since < stalled_since_before(day, stage.stalled_after_days))
			for stage in stages
		)
		names.update(
			frappe.qb.from_(state)
			.select(state.opportunity)
			.where(
				state.valid_to.isnull()
				& state.status.isin(OPEN_STATUSES)
				& past_their_days
				& (state.deleted == 0)
			)
			.run(pluck=True)
		)
	return names


# What an opportunity's own change can stall or unstall it by (time and the stage's days aside).
STALLED_INPUTS = ("sales_stage", "status", "stalled_snoozed_until")


def refresh_opportunity(doc):
	"""Opportunity on_change, after its history is written: its flag, in the database and on the
	document the caller holds; only when the change touched what the flag depends on."""
	if not any(doc.has_value_changed(field) for field in STALLED_INPUTS):
		return
	refresh_stalled([doc.name])
	doc.is_stalled = frappe.db.get_value("Opportunity", doc.name, "is_stalled")


def stage_changed(doc, method=None):
	"""Sales Stage on_update: a new Stalled After applies to the stage's opportunities (queued: a stage
	can hold many)."""
	before = doc.get_doc_before_save()
	if before is None or before.get("stalled_after_days") == doc.get("stalled_after_days"):
		return
	frappe.enqueue(
		refresh_stalled, stage=doc.name, queue="long", enqueue_after_commit=True, job_id=f"stalled-{doc.name}"
	)
