import subprocess
import sys

import frappe
from frappe.tests.utils import change_settings
from frappe.utils import add_days, get_bench_path, now_datetime

from opportunity_pipeline.api import run_auto_close
from opportunity_pipeline.auto_close.job import close_idle_opportunities, idle_opportunities
from opportunity_pipeline.auto_close.rules import idle_cutoff, is_idle
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import (
	add_communication,
	in_days,
	make_opportunity,
	make_stale_opportunity,
	make_user,
	set_auto_close,
)
from opportunity_pipeline.tests.factories import opportunity_status as status

CLOSED_NOTE = "Closed automatically: no response for"


def notes(name):
	return frappe.get_all(
		"Comment",
		filters={
			"reference_doctype": "Opportunity",
			"reference_name": name,
			"content": ("like", f"{CLOSED_NOTE}%"),
		},
		pluck="content",
	)


class TestAutoClose(IntegrationTestCase):
	def setUp(self):
		set_auto_close(days=10)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def test_open_and_replied_close_by_default_quotation_lost_and_converted_do_not(self):
		names = {
			status: make_stale_opportunity(status=status)
			for status in ("Open", "Replied", "Quotation", "Lost", "Converted")
		}
		close_idle_opportunities(commit=False)
		self.assertEqual(
			{s: status(n) for s, n in names.items()},
			{
				"Open": "Closed",
				"Replied": "Closed",
				"Quotation": "Quotation",
				"Lost": "Lost",
				"Converted": "Converted",
			},
		)

	def test_eligible_statuses_come_from_settings(self):
		set_auto_close(days=10, open=0, replied=0, quotation=1)
		open_one, quoted = make_stale_opportunity(status="Open"), make_stale_opportunity(status="Quotation")
		close_idle_opportunities(commit=False)
		self.assertEqual((status(open_one), status(quoted)), ("Open", "Closed"))

	def test_a_recent_change_keeps_it_open(self):
		recent = make_stale_opportunity(days_idle=5)
		close_idle_opportunities(commit=False)
		self.assertEqual(status(recent), "Open")

	def test_a_recent_communication_in_either_direction_keeps_it_open(self):
		received, sent, old = (make_stale_opportunity(days_idle=40) for _ in range(3))
		add_communication(received, days_ago=2, sent_or_received="Received")
		add_communication(sent, days_ago=2, sent_or_received="Sent")
		add_communication(old, days_ago=30)

		close_idle_opportunities(commit=False)

		self.assertEqual((status(received), status(sent), status(old)), ("Open", "Open", "Closed"))

	def test_zero_days_disables(self):
		set_auto_close(days=0)
		name = make_stale_opportunity(days_idle=400)
		self.assertEqual(close_idle_opportunities(commit=False), 0)
		self.assertEqual(status(name), "Open")

	def test_the_trail_comment_assignments_and_event_and_nothing_else(self):
		from frappe.desk.form.assign_to import add as assign

		user = make_user("op-closer@example.com")
		name = make_opportunity(contact_by=user, contact_date=in_days(3)).name
		assign({"assign_to": [user], "doctype": "Opportunity", "name": name})
		frappe.db.set_value(
			"Opportunity", name, "modified", add_days(now_datetime(), -20), update_modified=False
		)
		before = frappe.get_doc("Opportunity", name).as_dict()

		close_idle_opportunities(commit=False)

		after = frappe.get_doc("Opportunity", name).as_dict()
		self.assertEqual(after.status, "Closed")
		self.assertEqual(notes(name), ["Closed automatically: no response for 10 days."])
		self.assertEqual(frappe.get_all("ToDo", filters={"reference_name": name, "status": "Open"}), [])
		self.assertEqual(frappe.db.get_value("Event", after.follow_up_event, "status"), "Closed")
		changed = {
			key
			for key in before
			if key not in ("status", "_assign", "follow_up_reminder_due", "modified", "modified_by")
			and before[key] != after[key]
		}
		self.assertEqual(changed, set())
		self.assertGreater(after.modified, before.modified)  # seen by Frappe's stale-document check

	def test_a_form_loaded_before_the_job_cannot_silently_reopen_what_it_closed(self):
		name = make_stale_opportunity()
		form = frappe.get_doc("Opportunity", name)  # a user opened the form before the nightly run
		close_idle_opportunities(commit=False)
		form.title = "Edited in a form opened before the auto-close"
		self.assertRaises(frappe.TimestampMismatchError, form.save)
		self.assertEqual(status(name), "Closed")

	def test_the_jobs_sql_rule_and_the_pure_rule_agree_on_a_table_of_cases(self):
		"""auto_close.rules.is_idle is the rule; the job applies it in SQL. Same answers, case by case."""
		days, now = 10, now_datetime()
		cases = {}
		for modified_days_ago in (2, 9.9, 10.1, 30):
			for communication_days_ago in (None, 1, 9.9, 10.1, 40):
				for direction in ("Sent", "Received"):
					name = make_stale_opportunity(days_idle=modified_days_ago)
					if communication_days_ago is not None:
						add_communication(name, communication_days_ago, direction)
						frappe.db.set_value(
							"Opportunity",
							name,
							"modified",
							add_days(now, -modified_days_ago),
							update_modified=False,
						)
					cases[name] = (modified_days_ago, communication_days_ago)
		opportunity = frappe.qb.DocType("Opportunity")
		by_sql = set(
			idle_opportunities(idle_cutoff(now, days), ["Open"])
			.select(opportunity.name)
			.where(opportunity.name.isin(list(cases)))
			.run(pluck=True)
		)
		for name, (modified_days_ago, communication_days_ago) in cases.items():
			communication = None if communication_days_ago is None else add_days(now, -communication_days_ago)
			with self.subTest(modified=modified_days_ago, communication=communication_days_ago):
				self.assertEqual(
					name in by_sql,
					is_idle(add_days(now, -modified_days_ago), communication, now, days),
				)
		self.assertTrue(by_sql)
		self.assertLess(len(by_sql), len(cases))

	def test_a_second_run_closes_nothing_and_adds_no_comment(self):
		name = make_stale_opportunity()
		self.assertGreaterEqual(close_idle_opportunities(commit=False), 1)
		self.assertEqual(close_idle_opportunities(commit=False), 0)
		self.assertEqual(len(notes(name)), 1)


class TestAutoCloseCommitted(IntegrationTestCase):
	"""Runs that need committed rows: other processes, and a real database failure on one row.
	The rows are dated in 2001 and the threshold is ~9,000 days, so no other record of the site qualifies."""

	DAYS = 9000

	def setUp(self):
		self.enterContext(
			change_settings(
				"Selling Settings",
				close_opportunity_after_days=self.DAYS,
				auto_close_open=1,
				auto_close_replied=1,
				auto_close_quotation=0,
				commit=True,
			)
		)
		self.names = [make_stale_opportunity(days_idle=self.DAYS + 30) for _ in range(30)]
		frappe.db.commit()

	def tearDown(self):
		frappe.db.rollback()
		frappe.db.sql("drop trigger if exists op_test_broken_row")
		for name in self.names:
			frappe.delete_doc("Opportunity", name, force=True, ignore_permissions=True)
		frappe.db.delete(
			"Comment", {"reference_doctype": "Opportunity", "reference_name": ("in", self.names)}
		)
		frappe.db.delete("Error Log", {"reference_name": ("in", self.names)})
		frappe.db.commit()

	def test_two_processes_at_once_close_each_opportunity_once(self):
		command = [
			sys.executable,
			"-m",
			"frappe.utils.bench_helper",
			"frappe",
			"--site",
			frappe.local.site,
			"execute",
			"opportunity_pipeline.auto_close.job.close_idle_opportunities",
		]
		workers = [subprocess.Popen(command, cwd=f"{get_bench_path()}/sites") for _ in range(2)]
		self.assertEqual([worker.wait(timeout=300) for worker in workers], [0, 0])

		frappe.db.rollback()  # a fresh snapshot
		self.assertEqual({status(name) for name in self.names}, {"Closed"})
		self.assertEqual({len(notes(name)) for name in self.names}, {1})

	def test_a_system_manager_runs_it_by_hand(self):
		run_auto_close()  # the job commits, as in production: hence this class
		self.assertEqual({status(name) for name in self.names}, {"Closed"})

	def test_one_broken_row_is_logged_and_does_not_stop_the_others(self):
		broken = self.names[7]
		frappe.db.sql(
			f"""create trigger op_test_broken_row before update on `tabOpportunity` for each row
			if new.name = {frappe.db.escape(broken)} and new.status = 'Closed' then
				signal sqlstate '45000' set message_text = 'broken row';
			end if"""
		)

		closed = close_idle_opportunities()

		self.assertEqual(closed, len(self.names) - 1)
		self.assertEqual(status(broken), "Open")
		self.assertEqual({status(name) for name in self.names if name != broken}, {"Closed"})
		self.assertTrue(frappe.db.exists("Error Log", {"reference_name": broken}))
		self.assertEqual(notes(broken), [])
