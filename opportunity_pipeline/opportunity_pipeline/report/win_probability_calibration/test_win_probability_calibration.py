from unittest.mock import patch

import frappe
from frappe.tests.utils import change_settings
from frappe.utils import add_days, today

from opportunity_pipeline.forecast.stages import ordered_stages, stage_probability
from opportunity_pipeline.opportunity_pipeline.report.win_probability_calibration.win_probability_calibration import (
	execute,
)
from opportunity_pipeline.reporting import background
from opportunity_pipeline.tests.factories import make_history, make_territory, make_user
from opportunity_pipeline.win_probability.learn import learn_company
from opportunity_pipeline.win_probability.test_explain import restrict
from opportunity_pipeline.win_probability.test_learn import LOW_THRESHOLDS, WinProbabilityTestCase

# The stage alone, so every figure below can be computed by hand.
STAGE_ONLY = {**LOW_THRESHOLDS, "win_probability_use_source": 0}
NORTH_MANAGER = "op-calibration-north@example.com"


class TestWinProbabilityCalibration(WinProbabilityTestCase):
	"""The shared history, with Early and Late made the first two stages: 80 won, 20 lost at Early, 50
	lost at Late. Learned: Early 81/152, Late 81/132, every later stage 81/82 (no loss reached it)."""

	def setUp(self):
		super().setUp()
		frappe.db.set_value("Sales Stage", self.early, "stage_order", -2)
		frappe.db.set_value("Sales Stage", self.late, "stage_order", -1)
		self.filters = {"company": self.company, "from_date": add_days(today(), -60), "to_date": today()}

	def tearDown(self):
		frappe.set_user("Administrator")
		super().tearDown()

	def run_report(self, **filters):
		columns, rows, message, chart, summary = execute({**self.filters, **filters})
		return rows, message, chart, {item["label"]: item["value"] for item in summary}

	@change_settings("Selling Settings", STAGE_ONLY)
	def test_bands_and_brier_scores_match_the_hand_computed_ones(self):
		learn_company(self.company)
		rows, message, chart, summary = self.run_report()
		later = len(ordered_stages()) - 2
		early, late, unreached = 81 / 152, 81 / 132, 81 / 82

		by_band = {row["band"]: row for row in rows if row["predictions"]}
		self.assertEqual(
			{band: row["predictions"] for band, row in by_band.items()},
			{"50 to 60 %": 150, "60 to 70 %": 130, "90 to 100 %": 80 * later},
		)
		self.assertEqual(by_band["50 to 60 %"]["predicted"], round(100 * early, 1))
		self.assertEqual(by_band["50 to 60 %"]["actual"], round(100 * 80 / 150, 1))
		self.assertEqual(by_band["60 to 70 %"]["actual"], round(100 * 80 / 130, 1))
		self.assertEqual(by_band["90 to 100 %"]["actual"], 100)
		self.assertEqual(summary["Closed Opportunities"], 150)

		predictions = 150 + 130 + 80 * later
		learned = (
			80 * (1 - round(early, 3)) ** 2
			+ 70 * round(early, 3) ** 2
			+ 80 * (1 - round(late, 3)) ** 2
			+ 50 * round(late, 3) ** 2
			+ 80 * later * (1 - round(unreached, 3)) ** 2
		) / predictions
		self.assertAlmostEqual(summary["Brier Score, Learned"], learned, places=4)

		stage_chance = {stage: (stage_probability(stage) or 0) / 100 for stage in ordered_stages()}
		staged = (
			80 * (1 - 0.2) ** 2
			+ 70 * 0.2**2
			+ 80 * (1 - 0.6) ** 2
			+ 50 * 0.6**2
			+ sum(80 * (1 - stage_chance[stage] or round(80 / 150, 3)) ** 2 for stage in ordered_stages()[2:])
		) / predictions
		self.assertAlmostEqual(summary["Brier Score, Sales Stage"], staged, places=3)
		self.assertEqual(len(chart["data"]["datasets"]), 3)
		self.assertIsNone(message)

	@change_settings("Selling Settings", STAGE_ONLY)
	def test_backtest_learns_only_from_what_closed_before_from_date(self):
		recent = make_history(self.company, [("Lost", 30, {"sales_stage": self.late})], days_ago=2)
		_rows, message, _chart, summary = self.run_report(from_date=add_days(today(), -10), backtest=1)
		self.assertIsNone(message)
		self.assertEqual(summary["Closed Opportunities"], len(recent))

		_rows, message, _chart, _summary = self.run_report(from_date=add_days(today(), -400), backtest=1)
		self.assertIn("closed before From Date", message)

	def test_nothing_learned_yet_says_so(self):
		frappe.db.delete("Opportunity Win Factor", {"company": self.company})
		rows, message, _chart, _summary = self.run_report()
		self.assertEqual(rows, [])
		self.assertIn("learn from Selling Settings", message)

	@change_settings("Selling Settings", STAGE_ONLY)
	def test_a_restricted_manager_is_scored_on_what_the_list_shows_them(self):
		north, south = make_territory("_OP Win North"), make_territory("_OP Win South")
		shown = make_history(self.company, [("Lost", 7, {"sales_stage": self.late, "territory": north})])
		hidden = make_history(self.company, [("Lost", 9, {"sales_stage": self.late, "territory": south})])
		learn_company(self.company)
		manager = make_user(NORTH_MANAGER, roles=("Sales Manager",))
		restrict(manager, north)
		frappe.set_user(manager)
		_rows, _message, _chart, summary = self.run_report()
		listed = {
			row.name
			for row in frappe.get_list(
				"Opportunity", {"company": self.company, "status": ("in", ["Converted", "Lost"])}
			)
		}
		self.assertEqual(summary["Closed Opportunities"], len(listed))
		self.assertTrue(set(shown) <= listed)
		self.assertFalse(set(hidden) & listed, "the restriction hides the south's losses")
		self.assertEqual(summary["Closed Opportunities"], 150 + 7, "the whole history but the south's")

	@change_settings("Selling Settings", STAGE_ONLY)
	def test_only_a_user_who_reads_the_factors_may_backtest(self):
		"""Backtest learns the factors anew from every closed opportunity: the factors' rule (test_explain)."""
		learn_company(self.company)
		manager = make_user(NORTH_MANAGER, roles=("Sales Manager",))
		restrict(manager, make_territory("_OP Win North"))
		frappe.set_user(manager)
		self.assertTrue(self.run_report()[3]["Closed Opportunities"] >= 0)  # the scoring itself: yes
		with self.assertRaisesRegex(frappe.PermissionError, "may read them all"):
			self.run_report(backtest=1)
		frappe.set_user(make_user("op-calibration-manager@example.com", roles=("Sales Manager",)))
		self.run_report(backtest=1)  # refused to nobody whom nothing restricts

	@change_settings("Selling Settings", STAGE_ONLY)
	def test_on_a_large_site_each_user_gets_the_result_computed_for_them(self):
		"""Above QUEUE_ABOVE opportunities the report is computed by a job as the user who asked (inline
		in tests) and kept for that user only: a restricted manager never gets another user's figures."""
		frappe.cache.delete_keys("opportunity_pipeline:report:")  # no result kept by an earlier run
		north, south = make_territory("_OP Win North"), make_territory("_OP Win South")
		make_history(self.company, [("Lost", 9, {"sales_stage": self.late, "territory": south})])
		learn_company(self.company)
		manager = make_user(NORTH_MANAGER, roles=("Sales Manager",))
		restrict(manager, north)
		answered_at_once = self.run_report()
		with patch.object(background, "QUEUE_ABOVE", -1):
			self.assertEqual(self.run_report(), answered_at_once)
			frappe.set_user(manager)
			queued_for_manager = self.run_report()
		self.assertEqual(queued_for_manager, self.run_report(), "as if answered at once, for them")
		self.assertEqual(answered_at_once[3]["Closed Opportunities"], 150 + 9)
		self.assertEqual(queued_for_manager[3]["Closed Opportunities"], 150, "not the south's losses")

	def test_bad_filters_are_refused(self):
		self.assertRaises(frappe.ValidationError, execute, {**self.filters, "company": None})
		self.assertRaises(frappe.ValidationError, execute, {**self.filters, "from_date": "yesterday-ish"})
		self.assertRaises(
			frappe.ValidationError, execute, {**self.filters, "to_date": add_days(today(), -90)}
		)
