import frappe
from frappe.tests.utils import change_settings

from opportunity_pipeline.api import explain_win_probability, learn_win_probability
from opportunity_pipeline.tests.factories import make_territory, make_user
from opportunity_pipeline.win_probability.learn import WIN_FACTOR, learn_company
from opportunity_pipeline.win_probability.test_learn import LEARNED, WinProbabilityTestCase

SALES_MANAGER = "op-win-manager@example.com"
NORTH_MANAGER = "op-win-north-manager@example.com"
NORTH_USER = "op-win-north-user@example.com"


class TestExplanation(WinProbabilityTestCase):
	def tearDown(self):
		frappe.set_user("Administrator")
		super().tearDown()

	@change_settings("Selling Settings", LEARNED)
	def test_the_factors_multiply_the_prior_odds_into_the_probability(self):
		learn_company(self.company)
		opportunity = self.open_opportunity(source=self.cold_call, sales_stage=self.late)
		why = explain_win_probability(opportunity.name)
		self.assertEqual((why["method"], why["probability"]), ("Learned", opportunity.probability))
		self.assertEqual(why["prior"], round(100 * 81 / 152, 1))  # 80 won, 70 lost, smoothed
		self.assertEqual([factor["field"] for factor in why["factors"]], ["source", "sales_stage"])
		self.assertEqual(why["factors"][0]["value"], self.cold_call)
		self.assertLess(why["factors"][0]["effect"], 1)
		odds = why["prior"] / (100 - why["prior"])
		for factor in why["factors"]:
			odds *= factor["effect"]
		self.assertAlmostEqual(100 * odds / (1 + odds), why["probability"], delta=0.5)
		self.assertEqual(why["history"], {"won": 80, "lost": 70, "min_won": 4, "min_lost": 4})
		self.assertFalse(why["set_by_hand"])

	@change_settings("Selling Settings", {**LEARNED, "win_probability_min_lost": 500})
	def test_below_the_minimum_history_it_says_the_stage_applies(self):
		learn_company(self.company)
		opportunity = self.open_opportunity(source=self.referral)
		why = explain_win_probability(opportunity.name)
		self.assertEqual((why["method"], why["setting"], why["probability"]), ("Sales Stage", "Learned", 20))
		self.assertEqual(why["history"]["min_lost"], 500)

	@change_settings("Selling Settings", LEARNED)
	def test_a_probability_typed_by_hand_is_reported_with_the_learned_one(self):
		learn_company(self.company)
		opportunity = self.open_opportunity(source=self.referral, probability=5)
		why = explain_win_probability(opportunity.name)
		self.assertTrue(why["set_by_hand"])
		self.assertEqual(why["stored"], 5)
		self.assertGreater(why["probability"], 50)

	def test_an_opportunity_the_user_may_not_read_is_refused(self):
		north, south = make_territory("_OP Win North"), make_territory("_OP Win South")
		user = make_user(NORTH_USER)
		restrict(user, north)
		hidden = self.open_opportunity(territory=south)
		shown = self.open_opportunity(territory=north)
		frappe.set_user(user)
		why = explain_win_probability(shown.name)
		self.assertEqual(why["method"], "Sales Stage")
		self.assertEqual(
			(why["history"]["won"], why["history"]["lost"]),
			(None, None),
			"company-wide counts are not shown to a user whose list hides some opportunities",
		)
		self.assertRaises(frappe.PermissionError, explain_win_probability, hidden.name)
		self.assertRaises(frappe.ValidationError, explain_win_probability, "no such opportunity")

	@change_settings("Selling Settings", LEARNED)
	def test_the_figures_only_for_a_user_who_reads_the_factors(self):
		"""One rule with Opportunity Win Factor: a restricted user sees which way each factor moves the
		chance, never its figure, the company's win rate or its counts; an unrestricted one sees them."""
		learn_company(self.company)
		north = make_territory("_OP Win North")
		opportunity = self.open_opportunity(source=self.cold_call, sales_stage=self.late, territory=north)
		restricted = make_user(NORTH_MANAGER, roles=("Sales Manager",))
		restrict(restricted, north)
		for user, figures in (
			(make_user(SALES_MANAGER, roles=("Sales Manager",)), True),
			(restricted, False),
		):
			with self.subTest(user=user), self.set_user(user):
				why = explain_win_probability(opportunity.name)
				self.assertEqual(why["probability"], opportunity.probability, "the chance itself: everyone")
				self.assertEqual([factor["field"] for factor in why["factors"]], ["source", "sales_stage"])
				self.assertFalse(why["factors"][0]["raises"])  # Cold Call lowers it
				self.assertEqual(why["factors"][0]["effect"] is not None, figures)
				self.assertEqual(why["prior"] is not None, figures)
				self.assertEqual(why["history"]["won"] is not None, figures)
				self.assertEqual(bool(frappe.get_list(WIN_FACTOR, {"company": self.company})), figures)

	def test_only_a_system_manager_may_start_learning(self):
		frappe.set_user(make_user(SALES_MANAGER, roles=("Sales Manager",)))
		self.assertRaises(frappe.PermissionError, learn_win_probability)
		frappe.set_user("Administrator")
		self.assertRaises(frappe.ValidationError, learn_win_probability, "no such company")


class TestWinFactorPermissions(WinProbabilityTestCase):
	"""The factors count every closed opportunity: a Sales Manager whom nothing restricts reads them, a
	Sales Manager restricted to a territory reads none, a Sales User has no access at all."""

	def tearDown(self):
		frappe.set_user("Administrator")
		super().tearDown()

	def test_only_unrestricted_managers_read_the_factors(self):
		learn_company(self.company)
		manager = make_user(SALES_MANAGER, roles=("Sales Manager",))
		north_manager = make_user(NORTH_MANAGER, roles=("Sales Manager",))
		restrict(north_manager, make_territory("_OP Win North"))
		some_factor = frappe.get_all(WIN_FACTOR, {"company": self.company}, pluck="name", limit=1)[0]

		frappe.set_user(manager)
		self.assertTrue(frappe.get_list(WIN_FACTOR, {"company": self.company}))
		self.assertTrue(frappe.has_permission(WIN_FACTOR, doc=some_factor))

		frappe.set_user(north_manager)
		self.assertEqual(frappe.get_list(WIN_FACTOR, {"company": self.company}), [])
		self.assertFalse(frappe.has_permission(WIN_FACTOR, doc=some_factor))

		frappe.set_user(make_user(NORTH_USER))
		self.assertRaises(frappe.PermissionError, frappe.get_list, WIN_FACTOR)


def restrict(user: str, territory: str):
	frappe.get_doc(
		{"doctype": "User Permission", "user": user, "allow": "Territory", "for_value": territory}
	).insert(ignore_permissions=True)
