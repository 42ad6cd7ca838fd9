"""The learned win probability on Frappe CRM's deals (skipped where Frappe CRM is not installed): learned
from every closed deal of the site, a lost deal counted at the status it left for its lost one (Frappe
CRM's status change log), applied in one UPDATE and on a save, explained on the deal page."""

import unittest
from datetime import timedelta

import frappe
from frappe.query_builder.functions import Max
from frappe.tests.utils import change_settings
from frappe.utils import add_days, now_datetime

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.api import explain_deal_win_probability
from opportunity_pipeline.document_types import status_log_time_on_site_clock
from opportunity_pipeline.opportunity_pipeline.report.win_probability_calibration.win_probability_calibration import (
	execute as calibration,
)
from opportunity_pipeline.pipeline_document import CRM_DEAL
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import (
	deal_status_of_type,
	make_crm_territory,
	make_deal_status,
	make_user,
)
from opportunity_pipeline.win_probability.apply import apply_company, apply_stage_probabilities
from opportunity_pipeline.win_probability.learn import (
	WIN_FACTOR,
	learn_company,
	learned_stages,
	stored_factors,
)
from opportunity_pipeline.win_probability.permissions import query_conditions
from opportunity_pipeline.win_probability.rules import NO_STAGE, STAGE_FIELD
from opportunity_pipeline.win_probability.test_learn import LEARNED, LOW_THRESHOLDS

NORTH_USER = "op-win-deal-north@example.com"
EVERY_DEAL_USER = "op-win-deal-manager@example.com"


def make_deal_source(name: str) -> str:
	if not frappe.db.exists("CRM Lead Source", name):
		frappe.get_doc({"doctype": "CRM Lead Source", "source_name": name}).insert()
	return name


@unittest.skipUnless(frappe_crm.installed(), "Frappe CRM is not installed on this site")
class TestDealWinProbability(IntegrationTestCase):
	"""The site's only closed deals (the test removes the others and what was learned from them, and the
	rollback brings both back):
	Referral won 24 times, Cold Call 8; lost at Early, Cold Call 8 times; lost at Late, Cold Call 16
	times and Referral 4. Early and Late come after Frappe CRM's own open statuses."""

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.db.delete("CRM Deal")
		frappe.db.delete(WIN_FACTOR, {"document_type": CRM_DEAL.doctype})
		self.early = make_deal_status("_OP Deal Win Early", "Ongoing", 11)
		self.late = make_deal_status("_OP Deal Win Late", "Ongoing", 12)
		frappe.db.set_value("CRM Deal Status", self.early, "probability", 20)
		frappe.db.set_value("CRM Deal Status", self.late, "probability", 60)
		self.won, self.lost = deal_status_of_type("Won"), deal_status_of_type("Lost")
		self.referral = make_deal_source("_OP Deal Referral")
		self.cold_call = make_deal_source("_OP Deal Cold Call")
		for count, stage, source, outcome in (
			(24, self.early, self.referral, self.won),
			(8, self.early, self.cold_call, self.lost),
			(8, self.late, self.cold_call, self.won),
			(16, self.late, self.cold_call, self.lost),
			(4, self.late, self.referral, self.lost),
		):
			for _ in range(count):
				self.closed_deal(stage, source, outcome)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def closed_deal(self, stage, source, outcome):
		"""A deal made at `stage`, then won or lost from it: two saves, as a user makes them."""
		deal = frappe.get_doc({"doctype": "CRM Deal", "status": stage, "source": source}).insert()
		deal.status = outcome
		if outcome == self.lost:
			deal.lost_reason = "Unresponsive Prospect"
		deal.save()

	def open_deal(self, **values):
		return frappe.get_doc({"doctype": "CRM Deal", "status": self.early, **values}).insert()

	def counts(self, stage, field=STAGE_FIELD, value=None):
		factor = stored_factors(None, document=CRM_DEAL)[(stage, field, stage if value is None else value)]
		return factor.won, factor.lost

	@change_settings("Selling Settings", LOW_THRESHOLDS)
	def test_counts_follow_the_stage_rule_through_the_status_log(self):
		"""Wins count at every status; a loss at the status it left for Lost and the earlier ones."""
		learn_company(None, document=CRM_DEAL)
		self.assertEqual(self.counts(NO_STAGE), (32, 28))
		self.assertEqual(self.counts(self.early), (32, 28))
		self.assertEqual(self.counts(self.late), (32, 20))
		self.assertEqual(self.counts(self.late, "source", self.cold_call), (8, 16))
		self.assertEqual(self.counts(self.late, "source", self.referral), (24, 4))
		self.assertNotIn((self.won, STAGE_FIELD, self.won), stored_factors(None, document=CRM_DEAL))
		# The deals' factors live beside a company's, and learning one never touches the other.
		self.assertEqual(
			set(frappe.get_all(WIN_FACTOR, {"document_type": "CRM Deal"}, pluck="company", distinct=True)),
			{""},
		)

	@change_settings("Selling Settings", LEARNED)
	def test_the_learned_chance_applies_to_open_deals_on_learning_and_on_save(self):
		by_status = self.open_deal(source=self.referral)
		self.assertEqual((by_status.probability, by_status.probability_set_by_hand), (20, 0))
		by_hand = self.open_deal(source=self.referral, probability=33)
		self.assertEqual((by_hand.probability, by_hand.probability_set_by_hand), (33, 1))
		learn_company(None, document=CRM_DEAL)
		idle_since = add_days(now_datetime(), -20)
		frappe.db.set_value("CRM Deal", by_status.name, "modified", idle_since, update_modified=False)
		self.assertEqual(apply_company(None, document=CRM_DEAL), 1)
		# The app's own change is no response: the deal stays idle for the auto-close, while a form
		# opened before the change can no longer save over it.
		modified = frappe.db.get_value("CRM Deal", by_status.name, "modified")
		self.assertEqual(modified - idle_since, timedelta(microseconds=1))
		# By hand: at Early, 32 won against 28 lost, and Referral's 24 of the wins against none of the
		# losses that reached Early (Laplace-smoothed over 2 sources): the log-odds add up.
		prior = (32 + 1) / (60 + 2)
		referral = ((24 + 1) / (32 + 2)) / ((4 + 1) / (28 + 2))
		odds = prior / (1 - prior) * referral
		learned = round(100 * odds / (1 + odds), 1)
		self.assertEqual(frappe.db.get_value("CRM Deal", by_status.name, "probability"), learned)
		self.assertEqual(frappe.db.get_value("CRM Deal", by_hand.name, "probability"), 33)
		self.assertEqual(apply_company(None, document=CRM_DEAL), 0, "nothing changes twice")

		deal = self.open_deal(source=self.cold_call, status=self.late)
		why = explain_deal_win_probability(deal.name)
		self.assertEqual((why["method"], why["probability"]), ("Learned", deal.probability))
		self.assertEqual(deal.probability_set_by_hand, 0)
		deal.reload()
		deal.status = self.early
		deal.save()
		self.assertEqual(deal.probability, explain_deal_win_probability(deal.name)["probability"])
		self.assertNotEqual(deal.probability, why["probability"])

	@change_settings("Selling Settings", LOW_THRESHOLDS)
	def test_under_sales_stage_a_deal_takes_its_status_probability(self):
		"""Frappe CRM fills an empty probability with its status's before the app sees the save: that is
		not a probability typed by hand, so a later status brings its own."""
		deal = self.open_deal()
		self.assertEqual((deal.probability, deal.probability_set_by_hand), (20, 0))
		deal.status = self.late
		deal.save()
		self.assertEqual(deal.probability, 60)
		deal.probability = 45
		deal.save()
		deal.status = self.early
		deal.save()
		self.assertEqual((deal.probability, deal.probability_set_by_hand), (45, 1))
		frappe.db.set_value("CRM Deal", deal.name, "probability_set_by_hand", 0, update_modified=False)
		apply_stage_probabilities(CRM_DEAL)
		self.assertEqual(frappe.db.get_value("CRM Deal", deal.name, "probability"), 20)
		# A client cannot say the probability was not typed: the flag is the app's.
		deal.reload()
		deal.probability_set_by_hand = 1
		deal.save()
		self.assertEqual(frappe.db.get_value("CRM Deal", deal.name, "probability_set_by_hand"), 0)

	@change_settings("Selling Settings", LEARNED)
	def test_the_explanation_shows_counts_only_to_who_reads_every_deal(self):
		learn_company(None, document=CRM_DEAL)
		north, south = make_crm_territory("_OP Win Deal North"), make_crm_territory("_OP Win Deal South")
		deal = self.open_deal(source=self.cold_call, status=self.late, territory=north)
		hidden = self.open_deal(source=self.cold_call, status=self.late, territory=south)

		why = explain_deal_win_probability(deal.name)
		# Cold Call lowers the odds more than Late raises them: strongest first.
		self.assertEqual([factor["field"] for factor in why["factors"]], ["source", "sales_stage"])
		self.assertEqual([factor["raises"] for factor in why["factors"]], [False, True])
		self.assertEqual([factor["label"] for factor in why["factors"]], ["Source", "Status"])
		self.assertEqual(why["prior"], round(100 * 33 / 62, 1))
		self.assertEqual(why["history"]["won"], 32)

		user = make_user(NORTH_USER, roles=("Sales User",))
		frappe.get_doc(
			{"doctype": "User Permission", "user": user, "allow": "CRM Territory", "for_value": north}
		).insert(ignore_permissions=True)
		manager = make_user(EVERY_DEAL_USER, roles=("Sales Manager",))
		frappe.set_user(user)
		why = explain_deal_win_probability(deal.name)
		self.assertEqual(why["probability"], deal.probability)
		self.assertEqual((why["prior"], why["history"]["won"]), (None, None))
		self.assertEqual({factor["effect"] for factor in why["factors"]}, {None})
		self.assertNotIn("CRM Deal", query_conditions(user))
		self.assertRaises(frappe.PermissionError, explain_deal_win_probability, hidden.name)
		self.assertRaises(frappe.ValidationError, explain_deal_win_probability, "no such deal")

		frappe.set_user(manager)
		self.assertEqual(explain_deal_win_probability(deal.name)["history"]["won"], 32)
		self.assertTrue(frappe.get_list(WIN_FACTOR, {"document_type": "CRM Deal"}, limit=1))

	@change_settings("Selling Settings", {**LOW_THRESHOLDS, "win_probability_use_source": 0})
	def test_the_calibration_report_scores_deals_at_each_status_they_reached(self):
		"""The status alone: Early and the statuses before it learned 33/62, Late 33/54. Each won deal is
		scored at every open status, each lost one up to the status it was lost at."""
		learn_company(None, document=CRM_DEAL)
		filters = {
			"document_type": "CRM Deal",
			"company": frappe.db.get_value("Company", {}, "name"),
			"from_date": add_days(now_datetime(), -60).date(),
			"to_date": now_datetime().date(),
		}
		# Frappe CRM dates its log by the server's clock, the report reads dates on the site's (a new test
		# site's time zone is New York's): a deal closed now closed today on the site's clock.
		log = frappe.qb.DocType("CRM Status Change Log")
		closed_now = (
			frappe.qb.from_(log)
			.select(Max(status_log_time_on_site_clock(log.from_date)))
			.where(log["from"] == self.won)
			.run()[0][0]
		)
		self.assertLess(abs((closed_now - now_datetime()).total_seconds()), 120)
		_columns, rows, message, _chart, summary = calibration(filters)
		self.assertIsNone(message)
		before_early = learned_stages(CRM_DEAL).index(self.early)
		by_band = {row["band"]: row for row in rows if row["predictions"]}
		self.assertEqual(
			{band: row["predictions"] for band, row in by_band.items()},
			{"50 to 60 %": 60 * (before_early + 1), "60 to 70 %": 32 + 20},
		)
		self.assertEqual(by_band["50 to 60 %"]["predicted"], round(100 * 33 / 62, 1))
		self.assertEqual(by_band["50 to 60 %"]["actual"], round(100 * 32 / 60, 1))
		self.assertEqual(by_band["60 to 70 %"]["actual"], round(100 * 32 / 52, 1))
		self.assertEqual({item["label"]: item["value"] for item in summary}["Closed Deals"], 60)

		# A user whose list hides the deals lost at Early (CRM Territory South) is scored on the others.
		north, south = make_crm_territory("_OP Win Deal North"), make_crm_territory("_OP Win Deal South")
		lost_at_early = frappe.get_all(
			"CRM Deal", {"status": self.lost, "source": self.cold_call}, pluck="name", limit=50
		)
		for name in lost_at_early:
			if frappe.db.get_value("CRM Status Change Log", {"parent": name, "from": self.early}):
				frappe.db.set_value("CRM Deal", name, "territory", south, update_modified=False)
		user = make_user(NORTH_USER, roles=("Sales User",))
		frappe.get_doc(
			{"doctype": "User Permission", "user": user, "allow": "CRM Territory", "for_value": north}
		).insert(ignore_permissions=True)
		frappe.set_user(user)
		listed = frappe.get_list(
			"CRM Deal", {"status": ("in", [self.won, self.lost])}, pluck="name", limit_page_length=0
		)
		self.assertEqual(len(listed), 52)
		_columns, rows, _message, _chart, summary = calibration(filters)
		self.assertEqual({item["label"]: item["value"] for item in summary}["Closed Deals"], 52)
		self.assertRaises(frappe.PermissionError, calibration, {**filters, "backtest": 1})

		frappe.set_user("Administrator")
		message = calibration({**filters, "backtest": 1})[2]
		self.assertEqual(message, "None of the deals closed before From Date to learn from.")


@unittest.skipUnless(frappe_crm.installed(), "Frappe CRM is not installed on this site")
class TestDealFormScript(IntegrationTestCase):
	"""The deal page's Win Probability script: migrate brings the app's code, unless a manager edited it."""

	def setUp(self):
		frappe.set_user("Administrator")
		frappe_crm.add_deal_form_script()

	def tearDown(self):
		frappe.db.rollback()

	def stored(self) -> str:
		return frappe.db.get_value("CRM Form Script", frappe_crm.DEAL_FORM_SCRIPT, "script")

	def test_migrate_brings_the_apps_code_to_an_unedited_script(self):
		older = "// the app's code of an earlier version"
		frappe.db.set_value("CRM Form Script", frappe_crm.DEAL_FORM_SCRIPT, "script", older)
		frappe.db.set_global(frappe_crm.DEAL_FORM_SCRIPT_WRITTEN, frappe_crm._checksum(older))
		frappe_crm.refresh_deal_form_script()
		self.assertEqual(self.stored(), frappe_crm.DEAL_FORM_SCRIPT_CODE.read_text())

	def test_migrate_notes_an_unedited_script_installed_before_the_app_noted_it(self):
		frappe.db.set_global(frappe_crm.DEAL_FORM_SCRIPT_WRITTEN, None)
		frappe_crm.refresh_deal_form_script()
		code = frappe_crm.DEAL_FORM_SCRIPT_CODE.read_text()
		self.assertEqual(
			frappe.db.get_global(frappe_crm.DEAL_FORM_SCRIPT_WRITTEN), frappe_crm._checksum(code)
		)

	def test_migrate_keeps_a_managers_edit(self):
		script = frappe.get_doc("CRM Form Script", frappe_crm.DEAL_FORM_SCRIPT)
		script.script = "// the manager's own button\n" + script.script
		script.save()
		frappe_crm.refresh_deal_form_script()
		self.assertEqual(self.stored(), script.script)
		# Also on a site installed before the app noted what it wrote.
		frappe.db.set_global(frappe_crm.DEAL_FORM_SCRIPT_WRITTEN, None)
		frappe_crm.refresh_deal_form_script()
		self.assertEqual(self.stored(), script.script)
