"""The move from ERPNext's CRM to Frappe CRM: Customers and Prospects become CRM Organizations, Leads CRM
Leads, Opportunities CRM Deals with their items, contacts, status log, pipeline history, comments, notes,
attachments, communications, assignments, quotations and follow-up.

A queued job, System Manager only. It writes set-based, a batch of records per transaction, each record
with its Pipeline Move Record: an interrupted run leaves whole batches behind, and the next run continues
from them. A record is moved again only when it changed since (and its target did not); a record that
cannot move is listed with why and skipped, as the dry run reports (crm_move.rules decides both). ERPNext's
records are read, never changed: each is marked by its Pipeline Move Record.
"""

import json
from collections import defaultdict

import frappe
from frappe import _
from frappe.model.naming import NamingSeries
from frappe.utils import cint, flt, get_datetime, now_datetime
from frappe.utils.background_jobs import is_job_enqueued

from opportunity_pipeline.crm_move.dry_run import (
	RECORD,
	action_or_problem,
	changed_in_frappe_crm,
	leads_converted_in_frappe_crm,
	moved_records,
	opportunity_problems_by_name,
	opportunity_rows,
	require_reading_every_record,
)
from opportunity_pipeline.crm_move.mapping import (
	CUSTOMER,
	LEAD,
	MASTER_NAME_FIELDS,
	MASTERS,
	OPPORTUNITY,
	OPPORTUNITY_ITEM,
	PROSPECT,
	RecordMove,
)
from opportunity_pipeline.crm_move.rules import (
	MoveAction,
	deal_history,
	lead_status,
	lost_notes,
	move_action,
	status_stays,
)
from opportunity_pipeline.crm_move.settings import (
	SETTINGS,
	deal_statuses,
	require_frappe_crm,
	usable_status_map,
)
from opportunity_pipeline.document_types import status_log_clock_offset
from opportunity_pipeline.follow_up.event import follow_up_event_of, sync_follow_up_event
from opportunity_pipeline.follow_up.plan import reminder_due, wanted_follow_up
from opportunity_pipeline.follow_up.task import sync_follow_up_task
from opportunity_pipeline.forecast_category.category import fill_categories
from opportunity_pipeline.forecast_category.rules import OPEN_CATEGORIES
from opportunity_pipeline.pipeline_document import CRM_DEAL
from opportunity_pipeline.pipeline_history.backfill import STORED_FIELDS
from opportunity_pipeline.pipeline_history.record import STATE, record_changes
from opportunity_pipeline.sql import next_names

JOB_ID = "opportunity_pipeline_move_to_frappe_crm"
BATCH_SIZE = 500
# What the move creates, each of which the user must be allowed to create.
TARGET_DOCTYPES = ("CRM Organization", "CRM Lead", "CRM Deal", *dict.fromkeys(MASTERS.values()))
DEAL_SERIES = "CRM-DEAL-.YYYY.-.#####"
LEAD_SERIES = "CRM-LEAD-.YYYY.-.#####"
# What the move copies onto a deal: (DocType, its field naming the DocType it is about, the one naming the
# record, only rows with these values, the fields a copy shares with its original).
ACTIVITY_COPIES = (
	(
		"Comment",
		"reference_doctype",
		"reference_name",
		{"comment_type": "Comment"},
		("creation", "owner", "content"),
	),
	("File", "attached_to_doctype", "attached_to_name", {}, ("file_url",)),
	("ToDo", "reference_type", "reference_name", {"status": "Open"}, ("allocated_to", "creation")),
)
# The Pipeline State columns a deal's copied history row takes from the opportunity's (the backfill's, less
# the opportunity, which becomes the deal, and with whether the row was deleted).
HISTORY_COLUMNS = (*(field for field in STORED_FIELDS if field != "opportunity"), "deleted")


@frappe.whitelist(methods=["POST"])
def move_to_frappe_crm() -> dict:
	"""Queue the move. Whoever may change Pipeline Move (System Manager), reads every record the move
	reads and may create what it creates."""
	settings = frappe.get_single(SETTINGS)
	settings.check_permission("write")
	require_frappe_crm()
	require_reading_every_record()
	require_creating_targets()
	if is_job_enqueued(JOB_ID):
		frappe.throw(_("The move is already running."), title=_("Move to Frappe CRM"))
	frappe.enqueue(
		"opportunity_pipeline.crm_move.move.run_move",
		queue="long",
		timeout=4 * 3600,
		job_id=JOB_ID,
		deduplicate=True,
	)
	return {"queued": True}


def require_creating_targets():
	for doctype in TARGET_DOCTYPES:
		if not frappe.has_permission(doctype, "create"):
			frappe.throw(
				_("The move creates {0} records; you may not create them.").format(_(doctype)),
				frappe.PermissionError,
			)


def run_move(batch_size: int = BATCH_SIZE) -> dict:
	"""The move itself (the queued job; also callable from a console as the System Manager)."""
	move = Move(batch_size)
	move.run()
	return move.summary


class Move:
	"""One run: what it read once (the status table, the site's statuses, what moved before), and what it
	counts as it goes."""

	def __init__(self, batch_size: int):
		self.batch_size = batch_size
		self.now = now_datetime()
		self.user = frappe.session.user
		self.status_map = usable_status_map()
		types = dict(deal_statuses())
		self.status_type = types
		self.open_deal_statuses = [
			name for name, kind in types.items() if kind in CRM_DEAL.status_groups.open
		]
		self.log_offset = status_log_clock_offset()
		self.lead_statuses = frappe.get_all(
			"CRM Lead Status", order_by="position asc, name asc", pluck="name"
		)
		self.counts = defaultdict(lambda: defaultdict(int))
		self.targets = {}  # (source doctype, name) -> target name, of every record moved so far
		self.columns = {}

	@property
	def summary(self) -> dict:
		return {
			"finished_on": str(self.now),
			"records": {doctype: dict(counted) for doctype, counted in self.counts.items()},
		}

	def run(self):
		self.ensure_masters()
		self.link_quotations_field()
		frappe.db.commit()
		self.move_parties(CUSTOMER)
		self.move_parties(PROSPECT)
		self.move_leads()
		self.move_opportunities()
		frappe.db.set_single_value(
			SETTINGS,
			{"last_run_kind": "Move", "last_run_on": self.now, "last_report": json.dumps(self.summary)},
		)
		frappe.db.commit()
		frappe.publish_realtime("pipeline_move_done", self.summary, user=self.user)

	# Masters -------------------------------------------------------------------------------------------

	def ensure_masters(self):
		"""Each Territory, Lead Source, Industry and Lost Reason the records use, as Frappe CRM's master of
		the same name where it has none yet (few rows: saved as documents, so CRM Territory's tree holds),
		each with its Pipeline Move Record: a CRM Territory named as ERPNext's default territory becomes
		the default of new deals too, and the record says the move made it."""
		used = defaultdict(dict)  # CRM master -> {name: the ERPNext master it comes from}
		for move in (LEAD, CUSTOMER, PROSPECT, OPPORTUNITY):
			for field, master in move.masters.items():
				column, master = self.source_field(move, field, master)
				table = frappe.qb.DocType(move.source)
				for name in (
					frappe.qb.from_(table)
					.select(table[column])
					.distinct()
					.where(table[column].notnull())
					.run(pluck=True)
				):
					used[MASTERS[master]].setdefault(name, master)
		reason = frappe.qb.DocType("Opportunity Lost Reason Detail")
		for name in frappe.qb.from_(reason).select(reason.lost_reason).distinct().run(pluck=True):
			used[MASTERS["Opportunity Lost Reason"]].setdefault(name, "Opportunity Lost Reason")
		records = []
		for doctype, names in used.items():
			# Names compare as the database compares them: "north" is Frappe CRM's "North" already.
			known = {name.casefold() for name in frappe.get_all(doctype, pluck="name")}
			for name in sorted(name for name in names if name):
				if name.casefold() in known:
					continue
				known.add(name.casefold())
				made = frappe.get_doc({"doctype": doctype, MASTER_NAME_FIELDS[doctype]: name}).insert()
				source = frappe._dict(name=name, modified=None)
				records.append(self.record(names[name], source, doctype, made.name))
		self.write_records(records)

	def link_quotations_field(self):
		"""A quotation names its deal in ERPNext's own field for Frappe CRM (Quotation.crm_deal, made by
		ERPNext's integration); the move makes it where ERPNext has not yet."""
		if not frappe.db.has_column("Quotation", "crm_deal"):
			from erpnext.crm.frappe_crm_api import create_custom_fields_for_frappe_crm

			create_custom_fields_for_frappe_crm()

	def source_field(self, move: RecordMove, field: str, master: str | None = None):
		"""The source's field on this ERPNext (a later one renamed some) and the master it links to."""
		if field in move.renamed and not frappe.db.has_column(move.source, field):
			return move.renamed[field]
		return field, master

	# Organizations and leads ------------------------------------------------------------------------------

	def source_rows(self, move: RecordMove, *fields: str) -> list:
		"""Every record of the move's source: who made it and when, these `fields`, and each mapped field
		under its target's name."""
		source = frappe.qb.DocType(move.source)
		mapped = {target: self.source_field(move, field)[0] for field, target in move.fields.items()}
		return (
			frappe.qb.from_(source)
			.select(
				source.name,
				source.modified,
				source.creation,
				source.owner,
				*(source[field] for field in fields),
				*(source[column].as_(target) for target, column in mapped.items()),
			)
			.run(as_dict=True)
		)

	def move_parties(self, move: RecordMove):
		"""Customers or Prospects to CRM Organizations, by name: one already in Frappe CRM is linked, not
		changed; a Customer and a Prospect of the same name become one organization."""
		rows = self.source_rows(move)
		moved = moved_records(move.source)
		changed_there = changed_in_frappe_crm("CRM Organization")
		# By name as the database compares names: "ACME" is the organization "Acme" already there.
		organizations = {name.casefold(): name for name in frappe.get_all("CRM Organization", pluck="name")}
		made_by_move = set(self.made_targets("CRM Organization"))
		for batch in _chunks(rows, self.batch_size):
			created, updated, records = [], [], []
			for row in batch:
				action = move_action(row.modified, moved.get(row.name, (None, None))[1])
				organization = (row.organization_name or row.name).strip()[:140]
				organization = organizations.get(organization.casefold(), organization)
				self.targets[(move.source, row.name)] = organization
				if action == MoveAction.SKIP:
					self.counts[move.source]["skip"] += 1
					continue
				values = {field: row[field] for field in move.fields.values()}
				values["organization_name"] = organization
				if organization.casefold() not in organizations:
					created.append(self.document_row("CRM Organization", organization, row, values))
					organizations[organization.casefold()] = organization
					made_by_move.add(organization)
				elif (
					organization in made_by_move
					and action == MoveAction.UPDATE
					and organization not in changed_there
				):
					updated.append(values)
				records.append(
					self.record(
						move.source, row, "CRM Organization", organization, made=organization in made_by_move
					)
				)
				self.counts[move.source][action.value] += 1
			self.insert("CRM Organization", created)
			for values in updated:
				changes = {
					field: values[field] for field in move.fields.values() if field != "organization_name"
				}
				frappe.db.set_value("CRM Organization", values["organization_name"], changes)
			self.write_records(records)
			frappe.db.commit()

	def move_leads(self):
		rows = self.source_rows(LEAD, "status", "lead_name")
		moved = moved_records("Lead")
		converted = leads_converted_in_frappe_crm()
		changed_there = changed_in_frappe_crm("CRM Lead")
		for batch in _chunks(rows, self.batch_size):
			action_of = {}
			for row in batch:
				if row.name in moved:
					self.targets[("Lead", row.name)] = moved[row.name][0]
				if row.email and row.email in converted:
					action_of[row.name] = _("Already converted in Frappe CRM (same e-mail).")
				else:
					action_of[row.name] = action_or_problem(row.modified, moved.get(row.name), changed_there)
			new = [row for row in batch if action_of[row.name] == MoveAction.CREATE]
			names = iter(self.reserve_names(LEAD_SERIES, len(new)))
			for row in new:
				self.targets[("Lead", row.name)] = next(names)
			leads, records = [], []
			for row in batch:
				action = action_of[row.name]
				if not isinstance(action, MoveAction):
					records.append(self.record("Lead", row, problem=action))
					self.counts["Lead"]["cannot"] += 1
					continue
				self.counts["Lead"][action.value] += 1
				if action == MoveAction.SKIP:
					continue
				target = self.targets[("Lead", row.name)]
				values = {field: row[field] for field in LEAD.fields.values()}
				values.update(
					naming_series=LEAD_SERIES.removesuffix(".#####"),
					first_name=row.first_name or row.lead_name or row.organization or row.email or row.name,
					lead_name=row.lead_name,
					status=lead_status(row.status, self.lead_statuses),
					communication_status="Open",
				)
				leads.append(self.document_row("CRM Lead", target, row, values))
				records.append(self.record("Lead", row, "CRM Lead", target))
			self.replace("CRM Lead", leads)
			self.write_records(records)
			frappe.db.commit()

	# Opportunities ----------------------------------------------------------------------------------------

	def move_opportunities(self):
		rows = opportunity_rows()
		problems = opportunity_problems_by_name(rows, self.status_map, leads_converted_in_frappe_crm())
		moved = moved_records("Opportunity")
		changed_there = changed_in_frappe_crm("CRM Deal")
		to_move, cannot = [], []
		for row in rows:
			action = action_or_problem(row.modified, moved.get(row.name), changed_there)
			if row.name in problems:
				cannot.append(self.record("Opportunity", row, problem="\n".join(problems[row.name])))
			elif not isinstance(action, MoveAction):
				cannot.append(self.record("Opportunity", row, problem=action))
			elif action == MoveAction.SKIP:
				self.counts["Opportunity"]["skip"] += 1
			else:
				to_move.append((row.name, action, moved.get(row.name, (None,))[0]))
		self.counts["Opportunity"]["cannot"] += len(cannot)
		for batch in _chunks(cannot, self.batch_size):
			self.write_records(batch)
		frappe.db.commit()

		done = 0
		for batch in _chunks(to_move, self.batch_size):
			try:
				deals = self.move_deals(batch)
			except Exception:
				# One record's bad data: the batch goes back, and is moved one record at a time.
				frappe.db.rollback()
				deals = [deal for one in batch for deal in self.move_deal_alone(one)]
			frappe.db.commit()
			self.hand_over_follow_ups(deals)
			frappe.db.commit()
			done += len(batch)
			frappe.publish_progress(
				done * 100 / len(to_move),
				title=_("Moving to Frappe CRM"),
				description=_("{0} of {1} opportunities").format(done, len(to_move)),
			)
			self.after_batch(done)
		# The moved deals' forecast categories, from their status, in one statement (written row by row,
		# the deals skip the save that sets them).
		fill_categories(CRM_DEAL)
		frappe.db.commit()

	def after_batch(self, done: int):
		"""Where a run may stop between two batches (a worker killed, a timeout): each batch is whole."""

	def move_deal_alone(self, one) -> list[str]:
		name, _action, _target = one
		frappe.db.savepoint("move_one_deal")
		try:
			return self.move_deals([one])
		except Exception as error:
			frappe.db.rollback(save_point="move_one_deal")
			row = frappe.db.get_value("Opportunity", name, ["name", "modified"], as_dict=True)
			self.counts["Opportunity"]["cannot"] += 1
			self.write_records(
				[self.record("Opportunity", row, problem=_("Could not move: {0}").format(error))]
			)
			return []

	def move_deals(self, batch: list[tuple]) -> list[str]:
		"""The batch's opportunities as deals, written whole; their deals' names."""
		names = [name for name, _action, _target in batch]
		new = [name for name, action, _target in batch if action == MoveAction.CREATE]
		reserved = iter(self.reserve_names(DEAL_SERIES, len(new)))
		deal_of = {name: target or next(reserved) for name, action, target in batch}
		opportunities = self.rows("Opportunity", "name", names)
		children = self.opportunity_children(names)
		kept = self.kept_deal_fields(
			[deal_of[name] for name, action, _t in batch if action == MoveAction.UPDATE]
		)
		deals, products, contacts, logs, history, records = [], [], [], [], [], []
		for opportunity in opportunities:
			deal = deal_of[opportunity.name]
			items = children["items"][opportunity.name]
			deal_history_rows = deal_history(
				children["history"][opportunity.name], self.status_map, self.open_deal_statuses
			)
			deals.append(
				self.deal_row(deal, opportunity, items, children, deal_history_rows, kept.get(deal, {}))
			)
			products += [
				self.child_row(
					deal,
					"products",
					index,
					{
						**{target: item[field] for field, target in OPPORTUNITY_ITEM.fields.items()},
						"product_name": item.item_name or item.item_code,
						"net_amount": item.amount,
					},
				)
				for index, item in enumerate(items, start=1)
			]
			contacts += self.deal_contacts(deal, opportunity, children["contacts"])
			logs += self.status_log(deal, opportunity, deal_history_rows)
			history += [{**row, "opportunity": deal} for row in deal_history_rows]
			records.append(self.record("Opportunity", opportunity, "CRM Deal", deal))
		deal_names = list(deal_of.values())
		self.replace("CRM Deal", deals)
		for doctype in ("CRM Products", "CRM Contacts", "CRM Status Change Log"):
			self.delete_children(doctype, deal_names)
		self.insert("CRM Products", products)
		self.insert("CRM Contacts", contacts)
		self.insert("CRM Status Change Log", logs)
		self.copy_history(deal_names, history)
		self.copy_activity(deal_of)
		self.mark_leads_converted(deal_names)
		record_changes(frappe.qb.DocType("CRM Deal").name.isin(deal_names), self.now, CRM_DEAL)
		self.write_records(records)
		self.link_quotations(deal_names)
		for _name, action, _target in batch:
			self.counts["Opportunity"][action.value] += 1
		return deal_names

	def deal_row(self, deal, opportunity, items, children, history, kept) -> dict:
		values = {
			target: opportunity.get(self.source_field(OPPORTUNITY, field)[0])
			for field, target in OPPORTUNITY.fields.items()
		}
		status = self.status_map[opportunity.status]
		reasons = children["lost_reasons"][opportunity.name]
		party = (opportunity.opportunity_from, opportunity.party_name)
		lead = self.targets.get(party) if opportunity.opportunity_from == "Lead" else None
		organization = self.targets.get(party) if opportunity.opportunity_from != "Lead" else None
		lost = self.status_type.get(status) in CRM_DEAL.status_groups.lost
		finished = lost or self.status_type.get(status) in CRM_DEAL.status_groups.won
		chosen_category = bool(
			not finished
			and cint(opportunity.get("forecast_category_set_by_hand"))
			and opportunity.get("forecast_category") in OPEN_CATEGORIES
		)
		values.update(
			naming_series=DEAL_SERIES.removesuffix(".#####"),
			status=status,
			organization=organization,
			lead=lead,
			lead_name=opportunity.contact_display or opportunity.customer_name,
			email=opportunity.contact_email,
			mobile_no=opportunity.contact_mobile,
			phone=opportunity.phone,
			contact=opportunity.contact_person,
			exchange_rate=flt(opportunity.conversion_rate) or 1,
			total=sum(flt(item.amount) for item in items),
			net_total=sum(flt(item.amount) for item in items),
			lost_reason=reasons[0] if reasons and lost else None,
			lost_notes=lost_notes(
				opportunity.order_lost_reason,
				reasons,
				children["competitors"][opportunity.name],
				(_("Lost reasons"), _("Competitors")),
			),
			closed_date=self.finished_at(opportunity, history).date() if finished else None,
			lost_date=self.finished_at(opportunity, history) if lost else None,
			lost_by=opportunity.get("lost_by") if lost else None,
			communication_status="Open",
			probability_set_by_hand=opportunity.get("probability_set_by_hand") or 0,
			# A category its owner chose stays theirs while the deal is open; the others are the deal
			# status's, filled once the deals are in (fill_categories).
			forecast_category=opportunity.get("forecast_category") if chosen_category else None,
			forecast_category_set_by_hand=int(chosen_category),
			follow_up_reminder_due=self.reminder_due(opportunity, status),
			_assign=opportunity._assign,
			**kept,
		)
		return self.document_row("CRM Deal", deal, opportunity, values)

	def finished_at(self, opportunity, history):
		"""When the opportunity finished: the app's own date where it keeps one, else its history's last
		change of status, else its last change."""
		when = opportunity.get("converted_on") or opportunity.get("lost_date")
		if not when and history:
			when = history[-1]["valid_from"]
		return get_datetime(when or opportunity.modified)

	def reminder_due(self, opportunity, status):
		if not opportunity.get("contact_by") or not opportunity.get("contact_date"):
			return None
		finished = self.status_type.get(status) not in CRM_DEAL.status_groups.open
		return reminder_due(
			wanted_follow_up(opportunity.contact_by, get_datetime(opportunity.contact_date), finished)
		)

	def deal_contacts(self, deal, opportunity, contacts_of) -> list[dict]:
		"""The party's contacts as the deal's, the opportunity's own contact primary."""
		contacts = contacts_of.get((opportunity.opportunity_from, opportunity.party_name), [])
		primary = opportunity.contact_person or next(
			(contact.name for contact in contacts if contact.is_primary_contact), None
		)
		return [
			self.child_row(
				deal,
				"contacts",
				index,
				{
					"contact": contact.name,
					"full_name": contact.full_name,
					"email": contact.email_id,
					"mobile_no": contact.mobile_no,
					"phone": contact.phone,
					"gender": contact.gender,
					"is_primary": int(contact.name == primary),
				},
			)
			for index, contact in enumerate(contacts, start=1)
		]

	def status_log(self, deal, opportunity, history) -> list[dict]:
		"""Frappe CRM's status change log from the deal's history (its clock is the server's); a deal with
		no history has one stay, in its status since the opportunity was made."""
		stays = status_stays(history) or [
			{
				"status": self.status_map[opportunity.status],
				"from_date": opportunity.creation,
				"to": None,
				"to_date": None,
			}
		]
		rows = []
		for index, stay in enumerate(stays, start=1):
			from_date = stay["from_date"] - self.log_offset
			to_date = stay["to_date"] - self.log_offset if stay["to_date"] else None
			rows.append(
				self.child_row(
					deal,
					"status_change_log",
					index,
					{
						"from": stay["status"],
						"from_type": self.status_type.get(stay["status"], ""),
						"from_date": from_date,
						"to": stay["to"] or "",
						"to_type": self.status_type.get(stay["to"], "") if stay["to"] else "",
						"to_date": to_date,
						"duration": (to_date - from_date).total_seconds() if to_date else None,
						"log_owner": opportunity.opportunity_owner or opportunity.owner,
					},
				)
			)
		return rows

	def opportunity_children(self, names) -> dict:
		children = {key: defaultdict(list) for key in ("items", "lost_reasons", "competitors", "history")}
		for item in self.rows("Opportunity Item", "parent", names, order_by="idx"):
			children["items"][item.parent].append(item)
		for row in self.rows("Opportunity Lost Reason Detail", "parent", names, order_by="idx"):
			children["lost_reasons"][row.parent].append(row.lost_reason)
		for row in self.rows("Competitor Detail", "parent", names, order_by="idx"):
			children["competitors"][row.parent].append(row.competitor)
		state = frappe.qb.DocType(STATE)
		for row in (
			frappe.qb.from_(state)
			.select(state.opportunity, *(state[column] for column in HISTORY_COLUMNS))
			.where((state.document_type == "Opportunity") & state.opportunity.isin(names))
			.orderby(state.opportunity)
			.orderby(state.valid_from)
			.orderby(state.name)
			.run(as_dict=True)
		):
			children["history"][row.pop("opportunity")].append(row)
		for name, rows in children["history"].items():
			children["history"][name] = [row for row in rows if row["status"] in self.status_map]
		children["contacts"] = self.party_contacts(names)
		return children

	def party_contacts(self, names) -> dict:
		"""(party DocType, party) -> its Contacts, for the parties of these opportunities."""
		opportunity = frappe.qb.DocType("Opportunity")
		link, contact = frappe.qb.DocType("Dynamic Link"), frappe.qb.DocType("Contact")
		rows = (
			frappe.qb.from_(opportunity)
			.join(link)
			.on(
				(link.parenttype == "Contact")
				& (link.link_doctype == opportunity.opportunity_from)
				& (link.link_name == opportunity.party_name)
			)
			.join(contact)
			.on(contact.name == link.parent)
			.select(
				link.link_doctype,
				link.link_name,
				contact.name,
				contact.full_name,
				contact.email_id,
				contact.mobile_no,
				contact.phone,
				contact.gender,
				contact.is_primary_contact,
			)
			.distinct()
			.where(opportunity.name.isin(names))
			.orderby(contact.name)
			.run(as_dict=True)
		)
		contacts = defaultdict(list)
		for row in rows:
			contacts[(row.pop("link_doctype"), row.pop("link_name"))].append(row)
		return contacts

	def kept_deal_fields(self, deals) -> dict:
		"""What a deal moved again keeps of itself: the follow-up the app made for it."""
		if not deals:
			return {}
		rows = self.rows("CRM Deal", "name", deals)
		return {
			row.name: {"follow_up_event": row.follow_up_event, "follow_up_task": row.follow_up_task}
			for row in rows
		}

	def copy_history(self, deals, history):
		state = frappe.qb.DocType(STATE)
		frappe.qb.from_(state).delete().where(
			(state.document_type == CRM_DEAL.doctype) & state.opportunity.isin(deals)
		).run()
		if not history:
			return
		names = iter(next_names(STATE, len(history)))
		rows = []
		for row in history:
			rows.append(
				{
					"name": next(names),
					"creation": self.now,
					"modified": self.now,
					"owner": self.user,
					"modified_by": self.user,
					"document_type": CRM_DEAL.doctype,
					**{column: row[column] for column in HISTORY_COLUMNS},
					"opportunity": row["opportunity"],
				}
			)
		self.insert(STATE, rows)

	def copy_activity(self, deal_of: dict):
		"""Comments, attachments and open assignments are copied onto the deal (the opportunity keeps its
		own), notes become Frappe CRM's, and communications are linked to the deal, as Frappe links one
		message to several documents. Each once: a deal moved again gets only what is new."""
		for copied in ACTIVITY_COPIES:
			self.copy_rows(deal_of, *copied)
		self.copy_notes(deal_of)
		self.link_communications(deal_of)

	def copy_rows(self, deal_of, doctype, doctype_field, name_field, only, identity):
		"""Copies of the rows of `doctype` about these opportunities, pointed at their deals, less those a
		deal has already (`identity`: the fields a copy shares with its original)."""
		table = frappe.qb.DocType(doctype)
		query = (
			frappe.qb.from_(table)
			.select("*")
			.where((table[doctype_field] == "Opportunity") & table[name_field].isin(list(deal_of)))
		)
		for field, value in only.items():
			query = query.where(table[field] == value)
		rows = query.run(as_dict=True)
		if not rows:
			return
		have = set(
			frappe.qb.from_(table)
			.select(table[name_field], *(table[field] for field in identity))
			.where(
				(table[doctype_field] == CRM_DEAL.doctype) & table[name_field].isin(list(deal_of.values()))
			)
			.run()
		)
		copies = []
		for row in rows:
			deal = deal_of[row[name_field]]
			if (deal, *(row[field] for field in identity)) in have:
				continue
			copies.append(
				{
					**row,
					doctype_field: CRM_DEAL.doctype,
					name_field: deal,
					"name": frappe.generate_hash(length=10),
				}
			)
		self.insert(doctype, copies)

	def copy_notes(self, deal_of):
		"""ERPNext's notes (its CRM Note rows) as Frappe CRM's notes (FCRM Note) on the deal."""
		if not frappe.db.table_exists("CRM Note") or not frappe.db.table_exists("FCRM Note"):
			return
		rows = self.rows("CRM Note", "parent", list(deal_of), order_by="idx")
		rows = [row for row in rows if row.parenttype == "Opportunity"]
		note = frappe.qb.DocType("FCRM Note")
		have = set(
			frappe.qb.from_(note)
			.select(note.reference_docname, note.creation, note.content)
			.where(
				(note.reference_doctype == CRM_DEAL.doctype)
				& note.reference_docname.isin(list(deal_of.values()))
			)
			.run()
		)
		notes = []
		for row in rows:
			created = row.added_on or row.creation
			deal = deal_of[row.parent]
			if (deal, get_datetime(created), row.note) in have:
				continue
			notes.append(
				{
					"name": frappe.generate_hash(length=10),
					"creation": created,
					"modified": self.now,
					"owner": row.added_by or row.owner,
					"modified_by": self.user,
					"docstatus": 0,
					"idx": 0,
					"title": _("Note from ERPNext"),
					"content": row.note,
					"reference_doctype": CRM_DEAL.doctype,
					"reference_docname": deal,
				}
			)
		self.insert("FCRM Note", notes)

	def link_communications(self, deal_of):
		communication, link = frappe.qb.DocType("Communication"), frappe.qb.DocType("Communication Link")
		rows = (
			frappe.qb.from_(communication)
			.select(communication.name, communication.reference_name)
			.where(
				(communication.reference_doctype == "Opportunity")
				& communication.reference_name.isin(list(deal_of))
			)
			.run(as_dict=True)
		)
		rows += (
			frappe.qb.from_(link)
			.select(link.parent.as_("name"), link.link_name.as_("reference_name"))
			.where(
				(link.parenttype == "Communication")
				& (link.link_doctype == "Opportunity")
				& link.link_name.isin(list(deal_of))
			)
			.run(as_dict=True)
		)
		if not rows:
			return
		have = set(
			frappe.qb.from_(link)
			.select(link.parent, link.link_name)
			.where((link.link_doctype == CRM_DEAL.doctype) & link.link_name.isin(list(deal_of.values())))
			.run()
		)
		links = []
		for row in rows:
			deal = deal_of[row.reference_name]
			if (row.name, deal) in have:
				continue
			have.add((row.name, deal))
			links.append(
				{
					**self.child_row(
						row.name, "timeline_links", 100, {"link_doctype": CRM_DEAL.doctype, "link_name": deal}
					),
					"parenttype": "Communication",
				}
			)
		self.insert("Communication Link", links)

	def link_quotations(self, deals):
		"""Each quotation of a moved opportunity names its deal, read from the opportunity's record."""
		quotation, record = frappe.qb.DocType("Quotation"), frappe.qb.DocType(RECORD)
		(
			frappe.qb.update(quotation)
			.join(record)
			.on((record.source_doctype == "Opportunity") & (record.source_name == quotation.opportunity))
			.set(quotation.crm_deal, record.target_name)
			.where((record.target_doctype == CRM_DEAL.doctype) & record.target_name.isin(deals))
		).run()

	def mark_leads_converted(self, deals):
		"""A lead with a deal is a converted lead in Frappe CRM."""
		deal, lead = frappe.qb.DocType("CRM Deal"), frappe.qb.DocType("CRM Lead")
		leads = (
			frappe.qb.from_(deal)
			.select(deal.lead)
			.where(deal.name.isin(deals) & deal.lead.notnull())
			.run(pluck=True)
		)
		if leads:
			frappe.qb.update(lead).set(lead.converted, 1).where(lead.name.isin(leads)).run()

	def hand_over_follow_ups(self, deals):
		"""A deal with a follow-up still ahead gets its Event and task from the app's follow-up, as a save
		would make them; the opportunity's Event is closed and its reminder dropped, so one reminder stays."""
		if not deals:
			return
		deal = frappe.qb.DocType("CRM Deal")
		ahead = (
			frappe.qb.from_(deal)
			.select(deal.name)
			.where(
				deal.name.isin(deals)
				& deal.contact_by.notnull()
				& (deal.contact_date >= self.now)
				& deal.status.isin(self.open_deal_statuses)
			)
			.run(pluck=True)
		)
		if not ahead:
			return
		record = frappe.qb.DocType(RECORD)
		sources = dict(
			frappe.qb.from_(record)
			.select(record.target_name, record.source_name)
			.where((record.target_doctype == CRM_DEAL.doctype) & record.target_name.isin(ahead))
			.run()
		)
		for name in ahead:
			doc = frappe.get_doc(CRM_DEAL.doctype, name)
			sync_follow_up_event(doc)
			sync_follow_up_task(doc)
			opportunity = frappe.get_doc("Opportunity", sources[name])
			if follow_up_event_of(opportunity) is not None:
				frappe.db.set_value("Event", opportunity.follow_up_event, "status", "Closed")
			frappe.db.set_value(
				"Opportunity", opportunity.name, "follow_up_reminder_due", None, update_modified=False
			)

	# Rows -------------------------------------------------------------------------------------------------

	def rows(self, doctype, field, values, order_by=None) -> list:
		if not values:
			return []
		table = frappe.qb.DocType(doctype)
		query = frappe.qb.from_(table).select("*").where(table[field].isin(list(values)))
		if order_by:
			query = query.orderby(table[field]).orderby(table[order_by])
		return query.run(as_dict=True)

	def document_row(self, doctype, name, source, values) -> dict:
		"""A target document as a row: made when and by whom its source was, changed now by the move."""
		return {
			**values,
			"name": name,
			"creation": source.creation,
			"owner": source.owner,
			"modified": self.now,
			"modified_by": self.user,
			"docstatus": 0,
			"idx": 0,
		}

	def child_row(self, parent, parentfield, idx, values) -> dict:
		return {
			**values,
			"name": frappe.generate_hash(length=10),
			"parent": parent,
			"parenttype": CRM_DEAL.doctype,
			"parentfield": parentfield,
			"idx": idx,
			"creation": self.now,
			"modified": self.now,
			"owner": self.user,
			"modified_by": self.user,
			"docstatus": 0,
		}

	def record(self, doctype, source, target_doctype=None, target_name=None, problem=None, made=True) -> dict:
		return {
			"name": frappe.generate_hash(length=10),
			"creation": self.now,
			"modified": self.now,
			"owner": self.user,
			"modified_by": self.user,
			"docstatus": 0,
			"idx": 0,
			"source_doctype": doctype,
			"source_name": source.name,
			"source_modified": source.modified,
			"target_doctype": target_doctype,
			"target_name": target_name,
			"moved_on": self.now if target_name else None,
			"made_by_move": int(bool(target_name) and made),
			"problem": problem,
		}

	def write_records(self, records):
		record = frappe.qb.DocType(RECORD)
		for doctype in {row["source_doctype"] for row in records}:
			frappe.qb.from_(record).delete().where(
				(record.source_doctype == doctype)
				& record.source_name.isin(
					[row["source_name"] for row in records if row["source_doctype"] == doctype]
				)
			).run()
		self.insert(RECORD, records)

	def made_targets(self, target_doctype) -> list:
		"""The records of `target_doctype` the move made (not those it found there and linked to)."""
		record = frappe.qb.DocType(RECORD)
		return (
			frappe.qb.from_(record)
			.select(record.target_name)
			.where((record.target_doctype == target_doctype) & (record.made_by_move == 1))
			.run(pluck=True)
		)

	def reserve_names(self, series: str, count: int) -> list[str]:
		"""`count` names of a naming series at once, taken as Frappe's naming (getseries) takes one: the
		series' counter row locked, then moved on, by `count`."""
		if not count:
			return []
		prefix = NamingSeries(series).get_prefix()
		digits = series.count("#")
		counter = frappe.qb.DocType("Series")
		current = (
			frappe.qb.from_(counter).select(counter.current).where(counter.name == prefix).for_update().run()
		)
		if current and current[0][0] is not None:
			start = cint(current[0][0])
			frappe.qb.update(counter).set(counter.current, counter.current + count).where(
				counter.name == prefix
			).run()
		else:
			start = 0
			frappe.qb.into(counter).columns(counter.name, counter.current).insert(prefix, count).run()
		return [f"{prefix}{number:0{digits}d}" for number in range(start + 1, start + count + 1)]

	def insert(self, doctype, rows):
		"""Rows as they are, with only the columns the table has (Frappe CRM's change between versions), a
		thousand to a statement. Written as one parameterised INSERT rather than frappe.db.bulk_insert,
		whose query builder took 40 % of the move's time at 20,000 opportunities."""
		if not rows:
			return
		if doctype not in self.columns:
			self.columns[doctype] = set(frappe.db.get_table_columns(doctype))
		fields = [field for field in rows[0] if field in self.columns[doctype]]
		quote = "`" if frappe.db.db_type == "mariadb" else '"'
		columns = ", ".join(f"{quote}{field}{quote}" for field in fields)
		placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
		for chunk in _chunks(rows, 1000):
			frappe.db.sql(
				f"insert into {quote}tab{doctype}{quote} ({columns}) values "
				+ ", ".join([placeholders] * len(chunk)),
				[row.get(field) for row in chunk for field in fields],
			)

	def replace(self, doctype, rows):
		"""Documents written anew under their names (a record moved again keeps its target's name)."""
		if not rows:
			return
		table = frappe.qb.DocType(doctype)
		frappe.qb.from_(table).delete().where(table.name.isin([row["name"] for row in rows])).run()
		self.insert(doctype, rows)

	def delete_children(self, doctype, parents):
		table = frappe.qb.DocType(doctype)
		frappe.qb.from_(table).delete().where(
			(table.parenttype == CRM_DEAL.doctype) & table.parent.isin(parents)
		).run()


def _chunks(rows: list, size: int):
	for start in range(0, len(rows), size):
		yield rows[start : start + size]
