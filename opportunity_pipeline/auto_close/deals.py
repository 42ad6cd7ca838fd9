"""The daily auto-close of Frappe CRM's deals with no response: the Opportunity job's rule, read through
CRM Deal's pipeline declaration, closing a deal as Frappe CRM records a lost one.

A closed deal takes the lost status and lost reason set in FCRM Settings, with a note saying why; its
status change log (Frappe CRM's time in each status) and a Version (Frappe CRM's activity feed and the
desk's timeline: "changed Status from ... to ...") are written as its own save would, and its follow-up
ends as a lost deal's does (the Event closed, the CRM Task cancelled). Set-based per batch of locked
deals, as the Opportunity job: a first run on a large pipeline may close many thousands.
"""

from datetime import datetime

from pypika.enums import JoinType
from pypika.terms import ValueWrapper

import frappe
from frappe import _
from frappe.query_builder.functions import Coalesce, Concat, Max
from frappe.utils import cint, now_datetime

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.auto_close.job import BATCH_SIZE, idle_condition, idle_opportunities
from opportunity_pipeline.auto_close.rules import (
	SettingsProblem,
	closable_deal_types,
	deal_settings_problem,
	idle_cutoff,
)
from opportunity_pipeline.auto_close.settings import save_defaults as save_field_defaults
from opportunity_pipeline.document_types import status_log_rows, status_type, statuses_in, stay_is_open
from opportunity_pipeline.follow_up.task import TASK, TASK_CANCELLED, TASK_TO_DO
from opportunity_pipeline.pipeline_document import CRM_DEAL
from opportunity_pipeline.pipeline_history.record import record_changes
from opportunity_pipeline.row_isolation import in_one_go_or_row_by_row
from opportunity_pipeline.sql import Json, Qualified, SecondsBetween

SETTINGS = "FCRM Settings"
# FCRM Settings' fields (custom/fcrm_settings.json) and what a site that never saved them reads.
DAYS_FIELD = "close_deals_after_days"
PAUSED_FIELD = "auto_close_paused_deals"
STATUS_FIELD = "auto_close_deal_status"
REASON_FIELD = "auto_close_deal_lost_reason"
FIELDS = (DAYS_FIELD, PAUSED_FIELD, STATUS_FIELD, REASON_FIELD)


def save_defaults():
	"""Where Frappe CRM is installed (install, migrate, Frappe CRM installed later): the lost status and
	reason a closed deal takes are saved once, so the form shows them; the days stay 0 (off)."""
	save_field_defaults(FIELDS, SETTINGS)


class _Run:
	def __init__(self, days: int, statuses: list[str], closing_status: str, lost_reason: str):
		self.days, self.statuses = days, statuses
		self.closing_status, self.lost_reason = closing_status, lost_reason
		self.closing_type = status_type(CRM_DEAL, closing_status)
		self.now = now_datetime()
		# Frappe CRM dates its status change log by the server's clock (datetime.now()), not the site's
		# time zone as Frappe does `modified`: the log's durations need the same clock.
		self.log_now = datetime.now()
		self.cutoff = idle_cutoff(self.now, days)
		self.note = _("Closed automatically: no response for {0} days.").format(days)
		# Makes the names of the rows a run writes unique (Versions, status change log rows).
		self.token = f"auto-close-{frappe.generate_hash(length=8)}-"

	def idle(self):
		return idle_condition(self.cutoff, self.statuses, CRM_DEAL)


def close_idle_deals(commit: bool = True) -> int:
	"""Scheduled daily, beside the Opportunity job; nothing where Frappe CRM is not installed or the days
	are 0 (the default: install closes nothing). Returns how many deals it closed."""
	if not frappe_crm.installed() or not (run := _settings()):
		return 0
	deal = frappe.qb.DocType(CRM_DEAL.doctype)
	closed, after = 0, ""
	while batch := (
		idle_opportunities(run.cutoff, run.statuses, CRM_DEAL)
		.select(deal.name, deal.follow_up_event, deal.follow_up_task, deal.follow_up_reminder_due)
		.where(deal.name > after)
		.orderby(deal.name)
		.limit(BATCH_SIZE)
		.for_update()
		.run(as_dict=True)
	):
		closed += _close_batch(run, batch)
		after = batch[-1].name
		if commit:
			frappe.db.commit()
	return closed


def _settings() -> _Run | None:
	days = frappe.db.get_single_value(SETTINGS, DAYS_FIELD) or 0
	if days <= 0:
		return None
	closing_status = frappe.db.get_single_value(SETTINGS, STATUS_FIELD)
	lost_reason = frappe.db.get_single_value(SETTINGS, REASON_FIELD)
	statuses = closable_statuses(frappe.db.get_single_value(SETTINGS, PAUSED_FIELD))
	if (
		not statuses
		or not lost_reason
		or status_type(CRM_DEAL, closing_status) not in CRM_DEAL.status_groups.lost
	):
		return None
	return _Run(days, statuses, closing_status, lost_reason)


def closable_statuses(close_paused) -> list[str]:
	"""The site's CRM Deal Statuses whose idle deals close: of an open type, On Hold only if told."""
	return statuses_in(CRM_DEAL, closable_deal_types(CRM_DEAL.status_groups, bool(cint(close_paused))))


def validate_settings(settings, method=None):
	"""FCRM Settings validate: the auto-close of deals needs a lost status to close them with."""
	days = settings.get(DAYS_FIELD)
	closing_status = settings.get(STATUS_FIELD)
	problem = deal_settings_problem(days, status_type(CRM_DEAL, closing_status), CRM_DEAL.status_groups.lost)
	if problem == SettingsProblem.NEGATIVE_DAYS:
		frappe.throw(_("Close Deals With No Response After (Days) cannot be negative."))
	if problem == SettingsProblem.NO_LOST_STATUS and not closing_status:
		frappe.throw(_("Choose the status of a deal closed with no response: a status of type Lost."))
	if problem == SettingsProblem.NO_LOST_STATUS:
		frappe.throw(
			_("The status of a deal closed with no response must be of type Lost; {0} is not.").format(
				frappe.bold(closing_status)
			)
		)
	if (days or 0) > 0 and not frappe.db.exists("CRM Lost Reason", settings.get(REASON_FIELD) or ""):
		frappe.throw(_("Choose the lost reason of a deal closed with no response."))


def _close_batch(run: _Run, batch: list) -> int:
	title = _("Auto-close of a deal failed")
	return in_one_go_or_row_by_row(lambda rows: _close(run, rows), batch, title, CRM_DEAL.doctype)


def _close(run: _Run, rows: list):
	"""Close `rows`, a run of idle deals in key order that this transaction holds locked. Every statement
	reads the batch as its key range and the idleness rule (as the Opportunity job does): the locks make
	that exactly these rows, and no statement carries a list of thousands of names."""
	deal = frappe.qb.DocType(CRM_DEAL.doctype)
	in_range = deal.name[rows[0].name : rows[-1].name]
	_add_versions(run, deal, run.idle() & in_range)
	_set_lost(run, deal, run.idle() & in_range)
	# From here the batch is the deals of the range this run has just closed: no need to ask again
	# whether each had a response.
	closed_now = in_range & (deal.modified == run.now) & (deal[CRM_DEAL.status_field] == run.closing_status)
	_begin_lost_stays(run, deal, closed_now)
	_end_follow_ups(deal, closed_now, rows)
	record_changes(closed_now, now=run.now, document=CRM_DEAL)
	frappe.clear_document_cache(CRM_DEAL.doctype)


def _set_lost(run: _Run, deal, in_batch):
	"""The deal's lost status, reason, note and date (lost/loss.py), and the end of the stay it leaves in
	Frappe CRM's status change log (crm_status_change_log.add_status_change_log): one UPDATE of both
	tables, as the deal and its open row (the one whose `to` is empty) are found together. A deal without
	an open row still closes (a LEFT JOIN). One statement rather than two: the log's UPDATE alone took a
	fifth of the job."""
	log = frappe.qb.DocType(CRM_DEAL.status_log.doctype)
	ended = log["to"]
	open_stay = (log.parent == deal.name) & status_log_rows(CRM_DEAL, log) & stay_is_open(log)
	frappe.qb.update(deal).join(log, how=JoinType.left).on(open_stay).set(
		Qualified(deal[CRM_DEAL.status_field]), run.closing_status
	).set(Qualified(deal.lost_reason), run.lost_reason).set(Qualified(deal.lost_notes), run.note).set(
		Qualified(deal.lost_date), run.now
	).set(Qualified(deal.lost_by), "Administrator").set(Qualified(deal.modified), run.now).set(
		Qualified(deal.modified_by), "Administrator"
	).set(Qualified(ended), run.closing_status).set(Qualified(log.to_type), run.closing_type or "").set(
		Qualified(log.to_date), run.log_now
	).set(Qualified(log.log_owner), "Administrator").set(
		Qualified(log.duration), SecondsBetween(log.from_date, run.log_now)
	).where(in_batch).run()


def _end_follow_ups(deal, closed_now, rows: list):
	"""What a lost deal's save does to its follow-up (follow_up.event and .task): the Event closed, the
	task cancelled, no reminder to come. Each statement only where a deal of the batch has that."""
	event, task = frappe.qb.DocType("Event"), frappe.qb.DocType(TASK)
	if any(row.follow_up_event for row in rows):
		frappe.qb.update(event).join(deal).on(deal.follow_up_event == event.name).set(
			Qualified(event.status), "Closed"
		).where(closed_now & (event.status == "Open")).run()
	if any(row.follow_up_task for row in rows):
		frappe.qb.update(task).join(deal).on(deal.follow_up_task == task.name).set(
			Qualified(task.status), TASK_CANCELLED
		).where(closed_now & task.status.isin(TASK_TO_DO)).run()
	if any(row.follow_up_reminder_due for row in rows):
		frappe.qb.update(deal).set(deal.follow_up_reminder_due, None).where(
			closed_now & deal.follow_up_reminder_due.isnotnull()
		).run()


def _add_versions(run: _Run, deal, in_batch):
	"""What a save records of the change, status first (which Frappe CRM's activity feed shows), written
	before the status changes."""
	version = frappe.qb.DocType("Version")
	data = Json(
		{
			"changed": [
				[CRM_DEAL.status_field, deal[CRM_DEAL.status_field], run.closing_status],
				["lost_reason", deal.lost_reason, run.lost_reason],
				["lost_notes", deal.lost_notes, run.note],
			],
			"added": [],
			"removed": [],
			"row_changed": [],
			"data_import": None,
			"updater_reference": None,
		}
	)
	frappe.qb.into(version).columns(
		"name", "creation", "modified", "owner", "modified_by", "ref_doctype", "docname", "data"
	).from_(deal).select(
		Concat(ValueWrapper(f"{run.token}v-"), deal.name),
		*(ValueWrapper(value) for value in (run.now, run.now, "Administrator", "Administrator")),
		ValueWrapper(CRM_DEAL.doctype),
		deal.name,
		data,
	).where(in_batch).run()


def _begin_lost_stays(run: _Run, deal, in_batch):
	"""The row of the lost status in each deal's status change log, after its last (written after the
	stay it left was ended, so that one stays the only open row before it)."""
	log = frappe.qb.DocType(CRM_DEAL.status_log.doctype)
	earlier = frappe.qb.DocType(CRM_DEAL.status_log.doctype).as_("earlier")
	last_idx = (
		frappe.qb.from_(earlier)
		.select(Coalesce(Max(earlier.idx), 0) + 1)
		.where((earlier.parent == deal.name) & (earlier.parenttype == CRM_DEAL.doctype))
	)
	constants = (run.now, run.now, "Administrator", "Administrator")
	frappe.qb.into(log).columns(
		"name",
		"creation",
		"modified",
		"owner",
		"modified_by",
		"parent",
		"parenttype",
		"parentfield",
		"idx",
		"from",
		"from_type",
		"to",
		"to_type",
		"from_date",
		"log_owner",
	).from_(deal).select(
		Concat(ValueWrapper(f"{run.token}l-"), deal.name),
		*(ValueWrapper(value) for value in constants),
		deal.name,
		ValueWrapper(CRM_DEAL.doctype),
		ValueWrapper(CRM_DEAL.status_log.fieldname),
		last_idx,
		*(ValueWrapper(value) for value in (run.closing_status, run.closing_type or "", "", "", run.log_now)),
		ValueWrapper("Administrator"),
	).where(in_batch).run()
