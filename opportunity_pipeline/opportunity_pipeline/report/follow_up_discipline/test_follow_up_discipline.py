"""Follow-up Discipline against figures computed by hand."""

import frappe

from opportunity_pipeline.opportunity_pipeline.report.follow_up_discipline.follow_up_discipline import execute
from opportunity_pipeline.patches.v15_0 import derive_follow_ups
from opportunity_pipeline.pipeline_history.backfill import backfill_history
from opportunity_pipeline.pipeline_history.record import STATE, record_changes
from opportunity_pipeline.pipeline_history.test_as_of import COMPANY, HistoryTestCase, at
from opportunity_pipeline.tests.factories import make_user


class TestFollowUpDiscipline(HistoryTestCase):
	def test_on_time_late_missed_and_next_steps(self):
		"""In March 2026, for one owner:
		A: due on the 5th, replaced that day (on time); due on the 12th, replaced on the 14th (late);
		   then due on 2 April.
		B: due on the 8th, never replaced (missed).
		C: due on the 10th but moved to the 20th on the 6th (not due then); lost on the 20th (on time)."""
		owner = make_user("_op_discipline@example.com", roles=("Sales User",))
		values = {"opportunity_owner": owner, "contact_by": owner}
		a = self.opportunity("2026-03-01", contact_date="2026-03-05 10:00:00", **values)
		self.opportunity("2026-03-01", contact_date="2026-03-08 10:00:00", **values)
		c = self.opportunity("2026-03-01", contact_date="2026-03-10 10:00:00", **values)
		self.change(a, "2026-03-05", contact_date="2026-03-12 10:00:00")
		self.change(c, "2026-03-06", contact_date="2026-03-20 10:00:00")
		self.change(a, "2026-03-14", contact_date="2026-04-02 10:00:00")
		with self.freeze_time(at("2026-03-20", 15)):
			frappe.get_doc("Opportunity", c.name).db_set("status", "Lost")

		_columns, rows, *_rest = execute(
			frappe._dict(company=COMPANY, from_date="2026-03-01", to_date="2026-03-31")
		)
		(row,) = [row for row in rows if row["group_key"] == owner]
		self.assertEqual(
			(row["open"], row["with_next_step"], row["due"], row["on_time"], row["late"], row["missed"]),
			(2, 50, 4, 2, 1, 1),
		)

	def test_every_writing_path_derives_the_same_follow_ups(self):
		"""A save, the set-based recording of the jobs, the backfill from Versions and the patch for rows
		written before agree on each row's contact_since and ends_follow_up. Due on the 5th, the amount
		changed on the 3rd, replaced on the 6th (done) by the 12th, cleared on the 14th (done)."""
		changes = (
			("2026-03-03", {"opportunity_amount": 50}),
			("2026-03-06", {"contact_date": "2026-03-12 10:00:00"}),
			("2026-03-14", {"contact_date": None}),
		)
		saved = self.opportunity("2026-03-01", contact_date="2026-03-05 10:00:00")
		jobs = self.opportunity("2026-03-01", contact_date="2026-03-05 10:00:00")
		opportunity = frappe.qb.DocType("Opportunity")
		for day, values in changes:
			with self.freeze_time(at(day)):
				doc = frappe.get_doc("Opportunity", saved.name)
				doc.update(values)
				doc.save(ignore_version=False)  # tests skip Versions unless asked
				frappe.db.set_value("Opportunity", jobs.name, values, update_modified=False)
				record_changes(opportunity.name == jobs.name, now=at(day))
		expected = [(at("2026-03-01"), 0), (at("2026-03-01"), 1), (at("2026-03-06"), 1), (None, 0)]
		self.assertEqual(follow_ups(saved.name), expected)
		self.assertEqual(follow_ups(jobs.name), expected)

		frappe.db.delete(STATE, {"opportunity": saved.name})
		# A deleted opportunity of an earlier run may have had this name: its Versions stay, dated after
		# this test's frozen clock, where the backfill would read them as this one's.
		frappe.db.delete(
			"Version",
			{"ref_doctype": "Opportunity", "docname": saved.name, "creation": (">", at("2026-03-15"))},
		)
		self.assertEqual(backfill_history(commit=False), 1)
		self.assertEqual(follow_ups(saved.name), expected)

		frappe.qb.update(STATE).set("contact_since", None).set("ends_follow_up", 0).where(
			frappe.qb.DocType(STATE).opportunity.isin([saved.name, jobs.name])
		).run()
		derive_follow_ups.execute()
		self.assertEqual(follow_ups(saved.name), expected)
		self.assertEqual(follow_ups(jobs.name), expected)


def follow_ups(name) -> list:
	return [
		tuple(row)
		for row in frappe.get_all(
			STATE,
			filters={"opportunity": name, "deleted": 0},
			fields=["contact_since", "ends_follow_up"],
			order_by="valid_from asc, name asc",
			as_list=True,
		)
	]
