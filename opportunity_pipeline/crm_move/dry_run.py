"""The move's dry run: what the move would make of each of ERPNext's CRM records, and every record it
cannot move, with why. It writes nothing. Each record's facts are read in one query per DocType and judged
by crm_move.rules, the same rules the move applies."""

from collections import Counter

import frappe
from frappe import _
from frappe.query_builder import Case

from opportunity_pipeline.crm_move.mapping import CUSTOMER, PROSPECT
from opportunity_pipeline.crm_move.rules import (
	MoveAction,
	OpportunityFacts,
	RecordProblem,
	StatusMapProblem,
	move_action,
	opportunity_problems,
	status_map_problems,
)
from opportunity_pipeline.crm_move.settings import SETTINGS, deal_statuses, require_frappe_crm, status_map
from opportunity_pipeline.permissions import reads_every_row

RECORD = "Pipeline Move Record"
# How many records that cannot move the report lists (it counts them all).
LISTED_PROBLEMS = 500
PARTY_DOCTYPES = ("Customer", "Lead", "Prospect")


@frappe.whitelist()
def dry_run_move_to_frappe_crm() -> dict:
	"""Whoever may change Pipeline Move (System Manager). The report: the status table with its problems,
	per DocType (opportunities, leads, customers, prospects) how many records the move would create, update
	and leave, and the records it cannot move."""
	settings = frappe.get_single(SETTINGS)
	settings.check_permission("write")
	require_frappe_crm()
	require_reading_every_record()
	statuses = status_map(settings)
	table_problems = status_map_problems(statuses, dict(deal_statuses()))
	usable = {
		status: chosen for status, chosen in statuses.items() if chosen and status not in table_problems
	}
	counts = {doctype: Counter() for doctype in ("Opportunity", "Lead", "Customer", "Prospect")}
	problems = []
	converted = leads_converted_in_frappe_crm()

	def count(doctype, name, action_or_reasons):
		if isinstance(action_or_reasons, MoveAction):
			counts[doctype][action_or_reasons.value] += 1
		else:
			counts[doctype]["cannot"] += 1
			problems.append(_listed(doctype, name, action_or_reasons))

	rows = opportunity_rows()
	problems_of = opportunity_problems_by_name(rows, usable, converted)
	moved, changed_there = moved_records("Opportunity"), changed_in_frappe_crm("CRM Deal")
	for row in rows:
		if row.name in problems_of:
			count("Opportunity", row.name, problems_of[row.name])
			continue
		found = action_or_problem(row.modified, moved.get(row.name), changed_there)
		count("Opportunity", row.name, found if isinstance(found, MoveAction) else [found])

	lead = frappe.qb.DocType("Lead")
	moved, changed_there = moved_records("Lead"), changed_in_frappe_crm("CRM Lead")
	for row in frappe.qb.from_(lead).select(lead.name, lead.modified, lead.email_id).run(as_dict=True):
		if row.email_id and row.email_id in converted:
			count("Lead", row.name, [_("Already converted in Frappe CRM (same e-mail).")])
			continue
		found = action_or_problem(row.modified, moved.get(row.name), changed_there)
		count("Lead", row.name, found if isinstance(found, MoveAction) else [found])

	for party in (CUSTOMER, PROSPECT):  # an organization each: made, or linked where Frappe CRM has it
		moved, source = moved_records(party.source), frappe.qb.DocType(party.source)
		for row in frappe.qb.from_(source).select(source.name, source.modified).run(as_dict=True):
			count(party.source, row.name, move_action(row.modified, moved.get(row.name, (None, None))[1]))

	return {
		"statuses": [
			{
				"opportunity_status": status,
				"deal_status": chosen,
				"problem": _status_problem(table_problems.get(status)),
			}
			for status, chosen in statuses.items()
		],
		"records": {
			doctype: {kind: counted[kind] for kind in (*(action.value for action in MoveAction), "cannot")}
			for doctype, counted in counts.items()
		},
		"problems": problems[:LISTED_PROBLEMS],
		"problems_total": len(problems),
	}


# What the dry run reads, every row of each: the move is the whole site's.
READ_DOCTYPES = ("Opportunity", *PARTY_DOCTYPES, "CRM Lead")


def require_reading_every_record():
	"""The dry run counts and names every opportunity, party and lead: refused to a user whose own list of
	any of them is narrowed (a User Permission, If Owner, another app's permission hook), as a System
	Manager may be."""
	for doctype in READ_DOCTYPES:
		if not reads_every_row(doctype):
			frappe.throw(
				_("The move reads every {0}; your permissions restrict which ones you may read.").format(
					_(doctype)
				),
				frappe.PermissionError,
			)


def opportunity_problems_by_name(rows, usable_statuses, converted_emails) -> dict[str, list[str]]:
	"""Opportunity -> every reason it cannot move (crm_move.rules), for those of `rows` (opportunity_rows)
	that cannot: the dry run and the move judge the same."""
	problems = {}
	for row in rows:
		facts = OpportunityFacts(
			status=row.status,
			party_exists=bool(row.party),
			currency=row.currency,
			company_currency=row.company_currency,
			exchange_rate=row.conversion_rate,
			lead_converted_elsewhere=bool(row.lead_email) and row.lead_email in converted_emails,
		)
		found = opportunity_problems(facts, usable_statuses)
		if found:
			problems[row.name] = [_reason(problem, row) for problem in found]
	return problems


def opportunity_rows() -> list:
	"""Every opportunity with what the rules read: its party as it exists now (none where it was deleted),
	its company's currency, and the e-mail of its lead where its party is one."""
	opportunity, company = frappe.qb.DocType("Opportunity"), frappe.qb.DocType("Company")
	query = frappe.qb.from_(opportunity).left_join(company).on(company.name == opportunity.company)
	party = Case()
	for doctype in PARTY_DOCTYPES:
		table = frappe.qb.DocType(doctype)
		query = query.left_join(table).on(
			(opportunity.opportunity_from == doctype) & (table.name == opportunity.party_name)
		)
		party = party.when(opportunity.opportunity_from == doctype, table.name)
	lead = frappe.qb.DocType("Lead")
	return query.select(
		opportunity.name,
		opportunity.modified,
		opportunity.status,
		opportunity.opportunity_from,
		opportunity.party_name,
		opportunity.currency,
		opportunity.conversion_rate,
		company.default_currency.as_("company_currency"),
		party.as_("party"),
		lead.email_id.as_("lead_email"),
	).run(as_dict=True)


def moved_records(doctype: str) -> dict:
	"""Source name -> (its target, when the source had last changed) of each record of `doctype` moved
	before."""
	record = frappe.qb.DocType(RECORD)
	rows = (
		frappe.qb.from_(record)
		.select(record.source_name, record.target_name, record.source_modified)
		.where((record.source_doctype == doctype) & record.target_name.notnull() & (record.target_name != ""))
		.run()
	)
	return {name: (target, modified) for name, target, modified in rows}


def changed_in_frappe_crm(target_doctype: str) -> set:
	"""The targets changed in Frappe CRM after the move wrote them: moving their source again would
	overwrite that change, so the source is listed instead."""
	record, target = frappe.qb.DocType(RECORD), frappe.qb.DocType(target_doctype)
	return set(
		frappe.qb.from_(record)
		.join(target)
		.on(target.name == record.target_name)
		.select(target.name)
		.where((record.target_doctype == target_doctype) & (target.modified > record.moved_on))
		.run(pluck=True)
	)


def action_or_problem(modified, moved: tuple | None, changed_there: set) -> MoveAction | str:
	"""What a second run does with a record (`moved`: its target and when its source had changed, where
	it moved before): a MoveAction, or why it cannot."""
	target, moved_modified = moved or (None, None)
	action = move_action(modified, moved_modified)
	if action == MoveAction.UPDATE and target in changed_there:
		return _("Changed in Frappe CRM since it moved.")
	return action


def leads_converted_in_frappe_crm() -> set:
	"""The e-mails of Frappe CRM's converted leads that the move did not make: an ERPNext lead with one of
	them was converted there already, by hand or by another tool."""
	crm_lead, record = frappe.qb.DocType("CRM Lead"), frappe.qb.DocType(RECORD)
	rows = (
		frappe.qb.from_(crm_lead)
		.left_join(record)
		.on((record.target_doctype == "CRM Lead") & (record.target_name == crm_lead.name))
		.select(crm_lead.email)
		.where((crm_lead.converted == 1) & crm_lead.email.isnotnull() & record.name.isnull())
		.run(pluck=True)
	)
	return {email for email in rows if email}


def _status_problem(problem: StatusMapProblem | None) -> str | None:
	if problem == StatusMapProblem.NOT_CHOSEN:
		return _("No CRM Deal Status chosen: its opportunities do not move.")
	if problem == StatusMapProblem.NO_SUCH_STATUS:
		return _("There is no such CRM Deal Status.")
	if problem == StatusMapProblem.WRONG_TYPE:
		return _("Its type is not one this status may become.")
	return None


def _listed(doctype: str, name: str, reasons: list[str]) -> dict:
	return {"doctype": doctype, "name": name, "reasons": reasons}


def _reason(problem: RecordProblem, row) -> str:
	if problem == RecordProblem.UNMAPPED_STATUS:
		return _("Its status {0} becomes no CRM Deal Status in the table.").format(_(row.status))
	if problem == RecordProblem.NO_PARTY:
		return _("Its {0} {1} no longer exists.").format(_(row.opportunity_from or ""), row.party_name or "")
	if problem == RecordProblem.NO_EXCHANGE_RATE:
		return _("Its currency {0} has no exchange rate to {1}.").format(row.currency, row.company_currency)
	return _("Its lead {0} was already converted in Frappe CRM (same e-mail).").format(row.party_name)
