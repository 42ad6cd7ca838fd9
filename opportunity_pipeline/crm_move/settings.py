"""The move's status table (the Single Pipeline Move): a suggestion for each opportunity status until the
manager saves their own, checked on save against the site's CRM Deal Statuses."""

import frappe
from frappe import _

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.crm_move.rules import (
	StatusMapProblem,
	allowed_types,
	status_map_problems,
	suggested_status_map,
)
from opportunity_pipeline.pipeline_document import CRM_DEAL, OPPORTUNITY

SETTINGS = "Pipeline Move"
# In the order the Opportunity form lists them.
OPPORTUNITY_STATUSES = (
	OPPORTUNITY.status_groups.open
	+ OPPORTUNITY.status_groups.won
	+ OPPORTUNITY.status_groups.lost
	+ OPPORTUNITY.status_groups.closed
)
STATUS_DOCTYPE = CRM_DEAL.statuses.doctype


def require_frappe_crm():
	if not frappe_crm.installed():
		frappe.throw(
			_("Install Frappe CRM on this site first: the move makes its leads, organizations and deals.")
		)


def deal_statuses() -> list[tuple[str, str]]:
	"""The site's CRM Deal Statuses as (name, type), in Frappe CRM's pipeline order."""
	rows = frappe.get_all(
		STATUS_DOCTYPE, fields=["name", CRM_DEAL.statuses.type_field], order_by="position asc, name asc"
	)
	return [(row.name, row[CRM_DEAL.statuses.type_field]) for row in rows]


def status_map(settings=None) -> dict[str, str | None]:
	"""Opportunity status -> the CRM Deal Status it becomes: the manager's table, a suggestion for every
	status it does not hold yet."""
	settings = settings or frappe.get_single(SETTINGS)
	chosen = {row.opportunity_status: row.deal_status or None for row in settings.statuses}
	suggested = suggested_status_map(OPPORTUNITY_STATUSES, deal_statuses())
	return {status: chosen.get(status, suggested[status]) for status in OPPORTUNITY_STATUSES}


def usable_status_map(settings=None) -> dict[str, str]:
	"""Opportunity status -> CRM Deal Status, for the statuses whose row can be used: the opportunities of
	the others are listed as not moved."""
	statuses = status_map(settings)
	problems = status_map_problems(statuses, dict(deal_statuses()))
	return {status: chosen for status, chosen in statuses.items() if chosen and status not in problems}


def fill_status_table(settings):
	"""Pipeline Move onload: a row per opportunity status, suggested where the manager has none yet."""
	if not frappe_crm.installed():
		return
	present = {row.opportunity_status for row in settings.statuses}
	for status, deal_status in status_map(settings).items():
		if status not in present:
			settings.append(
				"statuses",
				{
					"opportunity_status": status,
					"deal_status_doctype": STATUS_DOCTYPE,
					"deal_status": deal_status,
				},
			)


def validate_status_table(settings):
	"""Pipeline Move validate. A status left empty is allowed (its opportunities are listed as not moved);
	a status that does not exist or is of a type the opportunity status cannot become is refused."""
	require_frappe_crm()
	seen = set()
	for row in settings.statuses:
		if row.opportunity_status in seen:
			frappe.throw(_("Opportunity status {0} is in the table twice.").format(row.opportunity_status))
		seen.add(row.opportunity_status)
		# Derived, never what a client sent. Frappe checked each link before validate, against the DocType
		# the row named: a value checked against another is refused below as no CRM Deal Status.
		row.deal_status_doctype = STATUS_DOCTYPE
	types = dict(deal_statuses())
	chosen = {row.opportunity_status: row.deal_status for row in settings.statuses}
	messages = []
	for status, problem in status_map_problems(chosen, types).items():
		deal_status = frappe.bold(chosen[status])
		if problem == StatusMapProblem.NO_SUCH_STATUS:
			messages.append(_("{0}: there is no CRM Deal Status {1}.").format(_(status), deal_status))
		elif problem == StatusMapProblem.WRONG_TYPE:
			messages.append(
				_("{0}: {1} is a CRM Deal Status of type {2}; {0} may become one of type {3}.").format(
					_(status),
					deal_status,
					_(types[chosen[status]]),
					", ".join(_(kind) for kind in allowed_types(status)),
				)
			)
	if messages:
		frappe.throw("<br>".join(messages), title=_("Status table"))
