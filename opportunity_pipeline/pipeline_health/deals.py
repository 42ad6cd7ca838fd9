"""Keeps the Stalled flag (is_stalled) of Frappe CRM's deals true to rules.is_stalled (deals have no
snooze), as stalled.py does for opportunities: a deal is stalled when it is open and has spent longer
than its status's Stalled After (Days) (CRM Deal Status, custom/crm_deal_status.json) in that status.
A deal's status is its stage, and Frappe CRM's own status change log says since when it is in it (the
open row: no `to` yet), so the app keeps no history of its own for deals. Set-based: daily, before the
digest (time alone stalls a deal), after a change of a deal's status, and for a status whose Stalled
After changes.

The daily refresh reads the flagged deals and the open deals in a status that stalls, not every deal."""

from datetime import datetime

from pypika.terms import ValueWrapper

import frappe
from frappe.query_builder import Case
from frappe.query_builder.functions import Max

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.document_types import status_log_rows, statuses_in, stay_is_open
from opportunity_pipeline.pipeline_document import CRM_DEAL
from opportunity_pipeline.sql import DaysBetween, Qualified

BATCH_SIZE = 1000


def stalling_statuses() -> list[str]:
	"""The statuses a deal can stall in: open, but not those a deal is put in aside on purpose (On Hold)."""
	groups = CRM_DEAL.status_groups
	return statuses_in(CRM_DEAL, [kind for kind in groups.open if kind not in groups.paused])


def refresh_deals_stalled(names):
	"""Set is_stalled on these deals, by batch: each batch's current stays come from its own rows of the
	status change log (Frappe CRM indexes them by deal)."""
	names = list(names)
	if not names:
		return
	open_ones = stalling_statuses()
	# Frappe CRM dates its status change log by the server's clock (datetime.now()), not the site's time
	# zone: the days in a status are counted on the same clock.
	day = datetime.now().date()
	deal = frappe.qb.DocType(CRM_DEAL.doctype)
	deal_status = deal[CRM_DEAL.status_field]
	status = frappe.qb.DocType(CRM_DEAL.stage.doctype)
	log = frappe.qb.DocType(CRM_DEAL.status_log.doctype)
	for start in range(0, len(names), BATCH_SIZE):
		batch = names[start : start + BATCH_SIZE]
		current = (
			frappe.qb.from_(log)
			.select(log.parent, Max(log.from_date).as_("since"))
			.where(status_log_rows(CRM_DEAL, log) & stay_is_open(log) & log.parent.isin(batch))
			.groupby(log.parent)
		).as_("current_stay")
		stalled = (
			deal_status.isin(open_ones or [""])
			& (status.stalled_after_days > 0)
			& (DaysBetween(current.since, ValueWrapper(day)) > status.stalled_after_days)
		)
		(
			frappe.qb.update(deal)
			.left_join(current)
			.on(current.parent == deal.name)
			.left_join(status)
			.on(status.name == deal_status)
			.set(Qualified(deal.is_stalled), Case().when(stalled, 1).else_(0))
			.where(deal.name.isin(batch))
		).run()


def refresh_daily():
	"""Daily, where Frappe CRM is installed: the deals whose flag may differ from rules.is_stalled today,
	the flagged ones and the open ones in a status that stalls."""
	if not frappe_crm.installed():
		return
	deal = frappe.qb.DocType(CRM_DEAL.doctype)
	stalling = frappe.get_all(
		CRM_DEAL.stage.doctype,
		filters={"stalled_after_days": (">", 0), "name": ("in", stalling_statuses() or [""])},
		pluck="name",
	)
	condition = deal.is_stalled == 1
	if stalling:
		condition |= deal[CRM_DEAL.status_field].isin(stalling)
	refresh_deals_stalled(frappe.qb.from_(deal).select(deal.name).where(condition).run(pluck=True))


def refresh_deal(doc):
	"""CRM Deal on_change: its flag, in the database and on the document the caller holds, when its
	status changed (or it is new): a new status starts a new stay."""
	if not doc.has_value_changed(CRM_DEAL.status_field):
		return
	refresh_deals_stalled([doc.name])
	doc.is_stalled = frappe.db.get_value(CRM_DEAL.doctype, doc.name, "is_stalled")


def status_changed(doc, method=None):
	"""CRM Deal Status on_update: a new Stalled After, or a new type, applies to its deals (queued: a
	status can hold many)."""
	before = doc.get_doc_before_save()
	if before is None or (
		before.get("stalled_after_days") == doc.get("stalled_after_days") and before.type == doc.type
	):
		return
	frappe.enqueue(
		refresh_status,
		status=doc.name,
		queue="long",
		enqueue_after_commit=True,
		job_id=f"stalled-deal-status-{doc.name}",
	)


def refresh_status(status):
	deal = frappe.qb.DocType(CRM_DEAL.doctype)
	refresh_deals_stalled(
		frappe.qb.from_(deal).select(deal.name).where(deal[CRM_DEAL.status_field] == status).run(pluck=True)
	)
