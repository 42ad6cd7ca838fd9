"""Follow-up Discipline against figures computed by hand."""

import frappe

from opportunity_pipeline.opportunity_pipeline.report.follow_up_discipline.follow_up_discipline import execute
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
