"""The move to Frappe CRM on a site with both apps (skipped where Frappe CRM is not installed): each
mapping, a second run, an interrupted run resumed, bad data listed and skipped, who may run it, and the
reconciliation. The move commits a batch at a time, so each test takes away what it made."""

import unittest
from unittest.mock import patch

import frappe
from frappe.desk.form.assign_to import add as assign
from frappe.utils import add_to_date, getdate

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.crm_move.dry_run import dry_run_move_to_frappe_crm
from opportunity_pipeline.crm_move.mapping import MASTERS
from opportunity_pipeline.crm_move.move import Move, move_to_frappe_crm, run_move
from opportunity_pipeline.crm_move.settings import usable_status_map
from opportunity_pipeline.crm_move.test_dry_run import set_table
from opportunity_pipeline.opportunity_pipeline.report.pipeline_move_reconciliation import (
	pipeline_move_reconciliation,
)
from opportunity_pipeline.pipeline_history.record import STATE
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import (
	add_communication,
	in_days,
	make_competitor,
	make_customer,
	make_lead,
	make_opportunity,
	make_opportunity_with_items,
	make_reason,
	make_user,
	submitted_quotation,
)

RECORD = "Pipeline Move Record"
TARGETS = ("CRM Deal", "CRM Lead", "CRM Organization", *dict.fromkeys(MASTERS.values()))


def deal_of(opportunity: str) -> str | None:
	return frappe.db.get_value(
		RECORD, {"source_doctype": "Opportunity", "source_name": opportunity}, "target_name"
	)


def problem_of(doctype: str, name: str) -> str | None:
	return frappe.db.get_value(RECORD, {"source_doctype": doctype, "source_name": name}, "problem")


def take_away_the_move():
	"""Everything the move made (what its records say it made), committed: the tests' site, and the
	browser spec's (`bench execute opportunity_pipeline.crm_move.test_move.take_away_the_move`), go on
	as they were."""
	made = {
		doctype: frappe.get_all(
			RECORD, filters={"target_doctype": doctype, "made_by_move": 1}, pluck="target_name"
		)
		or [""]
		for doctype in TARGETS
	}
	deals = made["CRM Deal"]
	for doctype, field in (
		("Comment", "reference_name"),
		("File", "attached_to_name"),
		("ToDo", "reference_name"),
		("FCRM Note", "reference_docname"),
		("CRM Task", "reference_docname"),
	):
		frappe.db.delete(doctype, {field: ("in", deals)})
	frappe.db.delete("Communication Link", {"link_doctype": "CRM Deal", "link_name": ("in", deals)})
	frappe.db.delete(
		"Event Participants", {"reference_doctype": "CRM Deal", "reference_docname": ("in", deals)}
	)
	frappe.db.delete(STATE, {"document_type": "CRM Deal", "opportunity": ("in", deals)})
	for doctype in ("CRM Products", "CRM Contacts", "CRM Status Change Log"):
		frappe.db.delete(doctype, {"parenttype": "CRM Deal", "parent": ("in", deals)})
	for doctype, names in made.items():
		frappe.db.delete(doctype, {"name": ("in", names)})
	frappe.db.delete(RECORD)
	frappe.db.commit()


@unittest.skipUnless(frappe_crm.installed(), "Frappe CRM is not installed on this site")
class TestMove(IntegrationTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		take_away_the_move()
		self.opportunities = set(frappe.get_all("Opportunity", pluck="name"))
		set_table()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		take_away_the_move()
		# The move committed what the test made: gone too, so other tests find the site as it was.
		made = list(set(frappe.get_all("Opportunity", pluck="name")) - self.opportunities) or [""]
		for doctype in ("Opportunity Item", "Opportunity Lost Reason Detail", "Competitor Detail"):
			frappe.db.delete(doctype, {"parent": ("in", made)})
		frappe.db.delete(STATE, {"document_type": "Opportunity", "opportunity": ("in", made)})
		frappe.db.delete("Prospect Opportunity", {"opportunity": ("in", made)})
		frappe.db.delete("Opportunity", {"name": ("in", made)})
		frappe.db.commit()

	def test_an_opportunity_becomes_a_deal_with_what_it_holds(self):
		sales = make_user("op-move-owner@example.com", roles=("Sales User",))
		customer = make_customer("_OP Move Customer")
		contact = frappe.get_doc(
			{
				"doctype": "Contact",
				"first_name": "Grace",
				"last_name": "Move",
				"email_ids": [{"email_id": "grace.contact.move@example.com", "is_primary": 1}],
				"links": [{"link_doctype": "Customer", "link_name": customer}],
			}
		).insert()
		opportunity = make_opportunity_with_items(
			party_name=customer,
			contact_person=contact.name,
			opportunity_owner=sales,
			opportunity_amount=750,
			probability=40,
			expected_closing=in_days(20).date(),
			contact_by=sales,
			contact_date=in_days(3),
			forecast_category="Commit",
		)
		opportunity.add_comment("Comment", "Called them, they want three units")
		frappe.get_doc(
			{
				"doctype": "File",
				"file_name": "op-move-brief.txt",
				"content": "brief",
				"attached_to_doctype": "Opportunity",
				"attached_to_name": opportunity.name,
			}
		).insert()
		assign({"assign_to": [sales], "doctype": "Opportunity", "name": opportunity.name})
		add_communication(opportunity.name, days_ago=1)
		communication = frappe.db.get_value(
			"Communication", {"reference_doctype": "Opportunity", "reference_name": opportunity.name}
		)
		quotation = submitted_quotation(opportunity)
		opportunity.reload()
		modified = opportunity.modified

		summary = run_move()

		deal = frappe.get_doc("CRM Deal", deal_of(opportunity.name))
		self.assertEqual(
			(deal.organization, deal.status, deal.deal_owner, deal.deal_value, deal.probability),
			(
				"_OP Move Customer",
				frappe.db.get_value(
					"Pipeline Move Status", {"opportunity_status": "Quotation"}, "deal_status"
				),
				sales,
				750,
				opportunity.probability,
			),
		)
		self.assertEqual(getdate(deal.expected_closure_date), in_days(20).date())
		# The category its owner chose goes with it.
		self.assertEqual((deal.forecast_category, deal.forecast_category_set_by_hand), ("Commit", 1))
		self.assertEqual(deal.creation, opportunity.creation)
		self.assertEqual(
			[(row.product_name, row.qty, row.rate) for row in deal.products], [("_OP Test Item", 3, 250)]
		)
		self.assertIn(
			(contact.name, "grace.contact.move@example.com", 1),
			[(row.contact, row.email, row.is_primary) for row in deal.contacts],
		)
		self.assertEqual(deal.contact, contact.name)
		self.assertTrue(
			frappe.db.exists(
				"Comment",
				{
					"reference_doctype": "CRM Deal",
					"reference_name": deal.name,
					"content": ["like", "Called them%"],
				},
			)
		)
		self.assertTrue(
			frappe.db.exists("File", {"attached_to_doctype": "CRM Deal", "attached_to_name": deal.name})
		)
		self.assertTrue(
			frappe.db.exists(
				"ToDo",
				{
					"reference_type": "CRM Deal",
					"reference_name": deal.name,
					"allocated_to": sales,
					"status": "Open",
				},
			)
		)
		self.assertIn(sales, frappe.parse_json(deal._assign))
		self.assertTrue(
			frappe.db.exists("Communication Link", {"parent": communication, "link_name": deal.name})
		)
		self.assertEqual(frappe.db.get_value("Quotation", quotation.name, "crm_deal"), deal.name)
		# Its history goes on on the deal, and Frappe CRM's status log starts where it did.
		history = frappe.get_all(
			STATE,
			filters={"document_type": "CRM Deal", "opportunity": deal.name},
			fields=["status", "valid_to"],
			order_by="valid_from asc, name asc",
		)
		self.assertEqual(history[-1].status, deal.status)
		self.assertIsNone(history[-1].valid_to)
		self.assertEqual(deal.status_change_log[-1].to or "", "")
		self.assertEqual(deal.status_change_log[-1].get("from"), deal.status)
		# One follow-up: the deal's Event and task, the opportunity's Event closed and its reminder dropped.
		self.assertTrue(deal.follow_up_event)
		self.assertEqual(frappe.db.get_value("Event", deal.follow_up_event, "owner"), sales)
		self.assertTrue(deal.follow_up_task)
		self.assertEqual(frappe.db.get_value("Event", opportunity.follow_up_event, "status"), "Closed")
		self.assertIsNone(frappe.db.get_value("Opportunity", opportunity.name, "follow_up_reminder_due"))
		# ERPNext's record as it was, its form naming its deal.
		self.assertEqual(frappe.db.get_value("Opportunity", opportunity.name, "modified"), modified)
		kept = frappe.get_doc("Opportunity", opportunity.name)
		kept.run_method("onload")
		self.assertEqual(kept.get_onload().moved_to_deal, deal.name)
		self.assertGreaterEqual(summary["records"]["Opportunity"]["create"], 1)

	def test_a_lead_becomes_a_crm_lead_and_its_opportunity_that_leads_deal(self):
		lead = make_lead("Hedy", company_name="_OP Move Lead Co")
		frappe.db.set_value("Lead", lead, "email_id", "hedy.move@example.com")
		opportunity = make_opportunity(opportunity_from="Lead", party_name=lead)  # ERPNext: its lead's status
		# becomes Opportunity, which is Qualified in Frappe CRM

		run_move()

		crm_lead = frappe.get_doc(
			"CRM Lead", frappe.db.get_value(RECORD, {"source_name": lead}, "target_name")
		)
		self.assertEqual(
			(crm_lead.first_name, crm_lead.email, crm_lead.organization, crm_lead.status, crm_lead.converted),
			("Hedy", "hedy.move@example.com", "_OP Move Lead Co", "Qualified", 1),
		)
		self.assertEqual(frappe.db.get_value("CRM Deal", deal_of(opportunity.name), "lead"), crm_lead.name)

	def test_a_prospect_becomes_an_organization_and_its_notes_frappe_crm_notes(self):
		prospect = frappe.db.exists("Prospect", "_OP Move Prospect Co") or (
			frappe.get_doc(
				{
					"doctype": "Prospect",
					"company_name": "_OP Move Prospect Co",
					"website": "https://prospect.example.com",
				}
			)
			.insert()
			.name
		)
		opportunity = make_opportunity(opportunity_from="Prospect", party_name=prospect)
		opportunity.append("notes", {"note": "Met them at the fair", "added_by": "Administrator"})
		opportunity.save()

		run_move()

		deal = frappe.get_doc("CRM Deal", deal_of(opportunity.name))
		self.assertEqual(deal.organization, "_OP Move Prospect Co")
		self.assertEqual(
			frappe.db.get_value("CRM Organization", deal.organization, "creation"),
			frappe.db.get_value("Prospect", prospect, "creation"),
		)
		self.assertEqual(
			frappe.db.get_value("CRM Organization", deal.organization, "website"),
			"https://prospect.example.com",
		)
		self.assertTrue(
			frappe.db.exists(
				"FCRM Note",
				{
					"reference_doctype": "CRM Deal",
					"reference_docname": deal.name,
					"content": "Met them at the fair",
				},
			)
		)

	def test_an_organization_already_in_frappe_crm_is_linked_not_changed(self):
		existing = "_OP Move Existing Org"
		frappe.get_doc(
			{
				"doctype": "CRM Organization",
				"organization_name": existing,
				"website": "https://kept.example.com",
			}
		).insert()
		customer = make_customer("_OP Move Customer Of An Existing Org")
		# Its name is the organization's, as the database compares names.
		frappe.db.set_value(
			"Customer",
			customer,
			{"customer_name": existing.upper(), "website": "https://erpnext.example.com"},
		)
		opportunity = make_opportunity(party_name=customer)
		try:
			run_move()
			frappe.db.set_value("Customer", customer, "website", "https://changed.example.com")
			run_move()

			self.assertEqual(
				frappe.db.get_value("CRM Deal", deal_of(opportunity.name), "organization"), existing
			)
			self.assertEqual(
				frappe.db.get_value("CRM Organization", existing, "website"), "https://kept.example.com"
			)
			self.assertEqual(
				frappe.db.get_value(
					RECORD, {"source_doctype": "Customer", "source_name": customer}, "made_by_move"
				),
				0,
			)
		finally:
			frappe.db.delete("CRM Organization", existing)
			frappe.db.commit()

	def test_an_organization_changed_in_frappe_crm_since_is_not_overwritten(self):
		customer = make_customer("_OP Move Edited There Customer")
		make_opportunity(party_name=customer)
		run_move()
		organization = frappe.db.get_value(
			RECORD, {"source_doctype": "Customer", "source_name": customer}, "target_name"
		)
		frappe.db.set_value(
			"CRM Organization",
			organization,
			"website",
			"https://crm.example.com",
			modified=add_to_date(None, minutes=1),
		)
		frappe.db.set_value("Customer", customer, "website", "https://erpnext.example.com")

		run_move()

		self.assertEqual(
			frappe.db.get_value("CRM Organization", organization, "website"), "https://crm.example.com"
		)

	def test_a_lost_opportunity_keeps_its_reasons_and_competitors(self):
		opportunity = make_opportunity()
		opportunity.status = "Lost"
		opportunity.order_lost_reason = "They went with a cheaper offer"
		for reason in ("_OP Move Price", "_OP Move Timing"):
			opportunity.append("lost_reasons", {"lost_reason": make_reason(reason)})
		opportunity.append("competitors", {"competitor": make_competitor("_OP Move Rival")})
		opportunity.save()

		run_move()

		deal = frappe.get_doc("CRM Deal", deal_of(opportunity.name))
		self.assertEqual(frappe.db.get_value("CRM Deal Status", deal.status, "type"), "Lost")
		self.assertEqual((deal.lost_reason, deal.forecast_category), ("_OP Move Price", "Omitted"))
		self.assertEqual(
			frappe.db.get_value(
				RECORD,
				{"source_doctype": "Opportunity Lost Reason", "source_name": "_OP Move Timing"},
				["target_doctype", "target_name", "made_by_move"],
			),
			("CRM Lost Reason", "_OP Move Timing", 1),
		)
		self.assertEqual(
			deal.lost_notes,
			"They went with a cheaper offer\nLost reasons: _OP Move Price, _OP Move Timing\n"
			"Competitors: _OP Move Rival",
		)
		self.assertTrue(deal.closed_date)
		# Lost when and by whom the opportunity was, for the Lost Opportunity Analysis on deals.
		lost = frappe.db.get_value("Opportunity", opportunity.name, ["lost_date", "lost_by"])
		self.assertEqual((deal.lost_date, deal.lost_by), lost)

	def test_a_second_run_moves_only_what_is_new_or_changed(self):
		unchanged, changed = make_opportunity(), make_opportunity()
		changed.add_comment("Comment", "First words")
		run_move()
		deal = deal_of(changed.name)

		frappe.db.set_value("Opportunity", changed.name, "opportunity_amount", 1234)
		added = make_opportunity()
		second = run_move()["records"]["Opportunity"]

		self.assertEqual((second.get("create"), second.get("update")), (1, 1))
		self.assertEqual(deal_of(changed.name), deal)
		self.assertEqual(frappe.db.get_value("CRM Deal", deal, "deal_value"), 1234)
		self.assertEqual(
			frappe.db.count("Comment", {"reference_doctype": "CRM Deal", "reference_name": deal}), 1
		)
		self.assertTrue(deal_of(added.name))
		self.assertEqual(frappe.db.count(RECORD, {"source_name": unchanged.name}), 1)

	def test_a_deal_changed_in_frappe_crm_since_is_not_overwritten(self):
		opportunity = make_opportunity()
		run_move()
		deal = deal_of(opportunity.name)
		frappe.db.set_value("CRM Deal", deal, "deal_value", 99, modified=add_to_date(None, minutes=1))
		frappe.db.set_value("Opportunity", opportunity.name, "opportunity_amount", 500)

		listed = dry_run_move_to_frappe_crm()["problems"]
		run_move()

		self.assertIn(
			{
				"doctype": "Opportunity",
				"name": opportunity.name,
				"reasons": ["Changed in Frappe CRM since it moved."],
			},
			listed,
		)

		self.assertEqual(frappe.db.get_value("CRM Deal", deal, "deal_value"), 99)
		self.assertEqual(problem_of("Opportunity", opportunity.name), "Changed in Frappe CRM since it moved.")

	def test_an_interrupted_run_continues_where_it_stopped(self):
		opportunities = [make_opportunity().name for _ in range(3)]

		def stop_after_the_first(move, done):
			raise KeyboardInterrupt  # the worker killed between two batches

		with patch.object(Move, "after_batch", stop_after_the_first), self.assertRaises(KeyboardInterrupt):
			run_move(batch_size=1)
		moved_first = frappe.db.count(RECORD, {"source_doctype": "Opportunity", "target_name": ["is", "set"]})
		self.assertEqual(moved_first, 1)

		second = run_move(batch_size=1)["records"]["Opportunity"]

		self.assertEqual(second.get("skip"), 1)
		deals = [deal_of(name) for name in opportunities]
		self.assertTrue(all(deals))
		self.assertEqual(frappe.db.count("CRM Deal", {"name": ("in", deals)}), 3)
		made = frappe.get_all(
			RECORD,
			filters={"source_doctype": "Opportunity", "target_name": ["is", "set"]},
			pluck="target_name",
		)
		self.assertEqual(len(made), len(set(made)))

	def test_bad_data_is_listed_and_skipped_and_nothing_is_half_moved(self):
		sound = make_opportunity()
		gone = make_opportunity(party_name=make_customer("_OP Move Gone Customer"))
		frappe.db.delete("Customer", "_OP Move Gone Customer")
		closed = make_opportunity()
		frappe.db.set_value("Opportunity", closed.name, "status", "Closed")
		company_currency = frappe.get_cached_value("Company", sound.company, "default_currency")
		foreign = "EUR" if company_currency != "EUR" else "USD"
		no_rate = make_opportunity(currency=foreign)
		frappe.db.set_value("Opportunity", no_rate.name, "conversion_rate", 0)
		broken = make_opportunity_with_items()
		set_table(Closed=None)
		deal_row = Move.deal_row

		def fails_for_broken(move, deal, opportunity, *args):
			if opportunity.name == broken.name:
				raise frappe.ValidationError("a value the database refuses")
			return deal_row(move, deal, opportunity, *args)

		with patch.object(Move, "deal_row", fails_for_broken):
			run_move()

		self.assertTrue(deal_of(sound.name))
		self.assertEqual(
			problem_of("Opportunity", gone.name), "Its Customer _OP Move Gone Customer no longer exists."
		)
		self.assertEqual(
			problem_of("Opportunity", closed.name),
			"Its status Closed becomes no CRM Deal Status in the table.",
		)
		self.assertEqual(
			problem_of("Opportunity", no_rate.name),
			f"Its currency {foreign} has no exchange rate to {company_currency}.",
		)
		self.assertIn("a value the database refuses", problem_of("Opportunity", broken.name))
		self.assertIsNone(deal_of(broken.name))
		# Its batch went back whole: no products, log or history left without their deal.
		for doctype in ("CRM Products", "CRM Status Change Log"):
			self.assertFalse(
				frappe.db.sql(
					f"select 1 from `tab{doctype}` child left join `tabCRM Deal` deal on deal.name = child.parent"
					" where child.parenttype = 'CRM Deal' and deal.name is null limit 1"
				)
			)

	def test_only_a_system_manager_may_move(self):
		frappe.set_user(make_user("op-move-sales@example.com", roles=("Sales Manager",)))
		with self.assertRaises(frappe.PermissionError):
			move_to_frappe_crm()

	def test_the_reconciliation_shows_what_did_not_move(self):
		moved = make_opportunity(opportunity_amount=300)
		closed = make_opportunity(opportunity_amount=200)
		frappe.db.set_value("Opportunity", closed.name, "status", "Closed")
		set_table(Closed=None)
		run_move()

		_columns, rows = pipeline_move_reconciliation.execute({})

		month = str(moved.creation)[:7]
		open_status = frappe.db.get_value("CRM Deal", deal_of(moved.name), "status")
		row_of = {(row["deal_status"], row["month"]): row for row in rows}
		# Every opportunity of the month whose status becomes that deal status moved, but those listed.
		becoming = [status for status, chosen in usable_status_map().items() if chosen == open_status]
		listed = frappe.db.count(
			RECORD,
			{
				"source_doctype": "Opportunity",
				"problem": ["is", "set"],
				"source_name": (
					"in",
					frappe.get_all(
						"Opportunity",
						filters={"status": ("in", becoming), "creation": ("like", f"{month}%")},
						pluck="name",
					)
					or [""],
				),
			},
		)
		self.assertEqual(row_of[(open_status, month)]["count_difference"], -listed)
		unmoved = row_of[(None, month)]
		self.assertEqual(unmoved["count_after"], 0)
		self.assertGreaterEqual(unmoved["count_before"], 1)
		self.assertEqual(unmoved["statuses"], "Closed")
