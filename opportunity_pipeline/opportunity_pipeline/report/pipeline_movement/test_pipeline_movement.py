"""Pipeline Movement against figures computed by hand on the as-of test's timeline."""

from unittest.mock import patch

import frappe

from opportunity_pipeline.opportunity_pipeline.report.pipeline_movement import pipeline_movement
from opportunity_pipeline.opportunity_pipeline.report.pipeline_movement.pipeline_movement import execute
from opportunity_pipeline.pipeline_history.rules import MOVEMENT_LINES
from opportunity_pipeline.pipeline_history.test_as_of import COMPANY, HistoryTestCase


class TestPipelineMovement(HistoryTestCase):
	def movement(self, from_date, to_date, **filters):
		return execute(frappe._dict(company=COMPANY, from_date=from_date, to_date=to_date, **filters))[1]

	def test_lines_add_up_to_the_closing_pipeline(self):
		self.build()
		(amounts,) = self.movement("2026-03-07", "2026-03-15")
		self.assertEqual(
			{key: round(value, 2) for key, value in amounts.items() if isinstance(value, float) and value},
			{
				"opening": 2310,
				"amount_increased": 20,
				"won": -700,
				"deleted": -500,
				"lost": -1000,
				"closing": 130,
			},
		)
		(weighted,) = self.movement("2026-03-07", "2026-03-15", value="Weighted Amount")
		self.assertEqual(
			{key: round(value, 2) for key, value in weighted.items() if isinstance(value, float) and value},
			{
				"opening": 725,
				"amount_increased": 10,
				"won": -70,
				"deleted": -100,
				"lost": -500,
				"closing": 65,
			},
		)
		(reopened,) = self.movement("2026-03-15", "2026-03-20")
		self.assertEqual((reopened["opening"], reopened["reopened"], reopened["closing"]), (130, 2000, 2130))

	def test_a_line_drills_to_its_opportunities(self):
		a, b, c, d = self.build()
		rows = self.movement("2026-03-07", "2026-03-15", line="Won")
		self.assertEqual([(row["opportunity"], row["amount"]) for row in rows], [(d.name, -700)])

	def test_window_counts_moves_in_and_out(self):
		doc = self.opportunity("2026-03-02", opportunity_amount=300, expected_closing="2026-04-10")
		self.change(doc, "2026-03-05", expected_closing="2026-05-20")
		(row,) = self.movement("2026-03-03", "2026-03-06", closing_from="2026-04-01", closing_to="2026-04-30")
		self.assertEqual((row["opening"], row["pushed_out"], row["closing"]), (300, -300, 0))
		self.change(doc, "2026-03-08", expected_closing="2026-04-15")
		(row,) = self.movement("2026-03-06", "2026-03-09", closing_from="2026-04-01", closing_to="2026-04-30")
		self.assertEqual((row["opening"], row["pulled_in"], row["closing"]), (0, 300, 300))

	def test_summary_in_sql_matches_the_rule_line_by_line(self):
		"""The summary sums rules.movement's lines in SQL; each line's drill-down runs the rule itself."""
		self.build()
		doc = self.opportunity("2026-03-02", opportunity_amount=300, expected_closing="2026-04-10")
		self.change(doc, "2026-03-05", expected_closing="2026-05-20", probability=70)
		self.change(doc, "2026-03-09", expected_closing="2026-04-15", opportunity_amount=450)
		periods = [("2026-03-01", "2026-03-31"), ("2026-03-07", "2026-03-15"), ("2026-03-04", "2026-03-08")]
		windows = [{}, {"closing_from": "2026-04-01", "closing_to": "2026-04-30"}]
		for (from_date, to_date), window in ((period, window) for period in periods for window in windows):
			for group_by in ("", "Opportunity Owner", "Sales Stage"):
				filters = {"group_by": group_by, **window}
				summary = self.movement(from_date, to_date, **filters)
				counts = self.movement(from_date, to_date, value="Count", **filters)
				for line in MOVEMENT_LINES:
					for row, count_row in zip(summary, counts, strict=True):
						if row["bold"]:
							continue
						detail = self.movement(
							from_date, to_date, line=line, group=row["group_key"], **filters
						)
						context = (from_date, to_date, window, group_by, row["group_key"], line)
						self.assertAlmostEqual(
							row[frappe.scrub(line)], sum(item["amount"] for item in detail), 6, context
						)
						self.assertEqual(count_row[frappe.scrub(line)], len(detail), context)

	def test_a_drill_down_lists_the_largest_and_says_when_there_are_more(self):
		for day, amount in (("2026-03-02", 100), ("2026-03-03", 900), ("2026-03-04", 500)):
			self.opportunity(day, opportunity_amount=amount)
		filters = frappe._dict(company=COMPANY, from_date="2026-03-01", to_date="2026-03-05", line="New")
		with patch.object(pipeline_movement, "DRILL_DOWN_ROWS", 2):
			_columns, rows, message = execute(dict(filters))
			self.assertEqual([row["amount"] for row in rows], [900, 500])
			self.assertIn("The 2 largest", message)
			_columns, rows, message = execute({**filters, "line": "Closing"})
			self.assertEqual([row["amount"] for row in rows], [900, 500])
			self.assertIn("holds more", message)
		_columns, rows, message = execute(dict(filters))
		self.assertEqual((len(rows), message), (3, None))
