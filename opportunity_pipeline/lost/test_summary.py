"""The losses summary answers exactly what the opportunities themselves answer, on random data, and stays
so through every way a loss changes."""

import random
from unittest.mock import patch

import frappe
from frappe.model.rename_doc import rename_doc
from frappe.utils import add_days, getdate

from opportunity_pipeline.lost.rules import DIMENSIONS
from opportunity_pipeline.lost.summary import (
	BUILT,
	SUMMARY,
	rebuild_loss_summary,
	refresh_stale_months,
	total_of,
)
from opportunity_pipeline.opportunity_pipeline.report.lost_opportunity_analysis import (
	lost_opportunity_analysis,
)
from opportunity_pipeline.opportunity_pipeline.report.lost_opportunity_analysis.lost_opportunity_analysis import (
	execute,
)
from opportunity_pipeline.patches.v15_0 import total_losses_per_month
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import (
	make_competitor,
	make_opportunity,
	make_reason,
	make_territory,
	make_user,
)

TODAY = getdate("2026-06-15")
RANGES = [
	("2025-07-01", "2026-06-30"),  # whole months, previous period whole months too
	("2025-06-17", "2026-06-15"),  # edges in the middle of months
	("2026-02-01", "2026-02-28"),  # one month
	("2026-03-10", "2026-03-20"),  # inside one month: no whole month at all
]


class TestLossSummary(IntegrationTestCase):
	def setUp(self):
		self.company = frappe.defaults.get_global_default("company")
		self.random = random.Random(20261130)
		self.reasons = [make_reason(f"_OP Sum Reason {n}", category=f"_OP Sum Cat {n % 3}") for n in range(5)]
		self.reasons.append(make_reason("_OP Sum Reason uncategorised"))
		self.competitors = [make_competitor(f"_OP Sum Rival {n}") for n in range(3)]
		self.territories = [make_territory(f"_OP Sum Territory {n}") for n in range(2)]
		self.owner = make_user("op-sum-owner@example.com")
		self.names = [self.random_loss() for _ in range(120)]

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def random_loss(self):
		pick = self.random.choice
		opportunity = make_opportunity(company=self.company, territory=pick([*self.territories, None]))
		for reason in self.random.sample(self.reasons, self.random.choice([1, 1, 2, 3])):
			opportunity.append("lost_reasons", {"lost_reason": reason})
		for competitor in self.random.sample(self.competitors, self.random.choice([0, 1, 2])):
			opportunity.append("competitors", {"competitor": competitor})
		for row in opportunity.lost_reasons + opportunity.competitors:
			row.db_insert()
		lost_on = add_days(TODAY, -self.random.randint(0, 720))
		frappe.db.set_value(
			"Opportunity",
			opportunity.name,
			{
				"status": "Lost",
				"lost_date": f"{lost_on} {self.random.randint(0, 23):02d}:30:00",
				"opportunity_amount": self.random.randint(1, 5000),
				"conversion_rate": pick([1, 1, 1.5]),
				"opportunity_owner": pick([self.owner, None]),
			},
			update_modified=False,
		)
		return opportunity.name

	def assert_summary_answers_as_the_opportunities(self, build=True, **extra):
		"""Both ways, over ranges and groupings; rows and summary cards alike."""
		if build:
			frappe.db.delete(SUMMARY, {"dimension": BUILT})  # the data above was written behind the hooks
			refresh_stale_months()  # as the background job does
		for from_date, to_date in RANGES:
			for group_by, periodicity in (("Reason", "Monthly"), ("Category", "Quarterly")):
				filters = {
					"company": self.company,
					"from_date": from_date,
					"to_date": to_date,
					"group_by": group_by,
					"periodicity": periodicity,
					**extra,
				}
				with self.subTest(**filters):
					summarised = execute(dict(filters))
					detailed = execute(dict(filters), use_summary=False)
					self.assertEqual(rounded(summarised[1]), rounded(detailed[1]))
					self.assertEqual(summarised[4], detailed[4])
		self.assertTrue(frappe.db.exists(SUMMARY, {"dimension": "Reason"}))

	def test_the_summary_equals_the_detailed_query_on_random_losses(self):
		self.assert_summary_answers_as_the_opportunities()

	def test_a_summary_built_before_its_totals_gets_them_from_its_detailed_rows(self):
		"""Patch total_losses_per_month: every month stays fresh, and a report without filters reads the
		totals the patch added as it reads those the background job writes."""
		frappe.db.delete(SUMMARY, {"dimension": BUILT})
		refresh_stale_months()
		built = frappe.db.count(SUMMARY, {"dimension": BUILT})
		totals = [total_of(dimension) for dimension in DIMENSIONS]
		frappe.db.delete(SUMMARY, {"dimension": ("in", totals)})  # as the summary was before them
		total_losses_per_month.execute()
		total_losses_per_month.execute()  # a second run adds nothing: a total's name is its key (_key)
		self.assertEqual(frappe.db.count(SUMMARY, {"dimension": BUILT}), built)
		self.assertTrue(frappe.db.exists(SUMMARY, {"dimension": total_of("Reason")}))
		self.assert_summary_answers_as_the_opportunities(build=False)

	def test_and_with_each_filter(self):
		self.assert_summary_answers_as_the_opportunities(territory=self.territories[0])
		self.assert_summary_answers_as_the_opportunities(opportunity_owner=self.owner)

	# Every stale month of the range is read in detail here (its 25 months are more than a request may
	# read before the job has run: test_lost_opportunity_analysis tests that refusal).
	@patch.object(lost_opportunity_analysis, "STALE_MONTHS_READ", 60)
	def test_every_change_of_a_loss_marks_its_months_and_the_report_follows(self):
		filters = {"company": self.company, "from_date": "2024-06-01", "to_date": "2026-06-30"}

		def both():
			"""Before the background job (the stale months read in detail, nothing written by the
			report), and after it (the summary answers)."""
			built = frappe.db.count(SUMMARY, {"dimension": BUILT})
			detailed = rounded(execute(dict(filters), use_summary=False)[1])
			self.assertEqual(rounded(execute(dict(filters))[1]), detailed)
			self.assertEqual(frappe.db.count(SUMMARY, {"dimension": BUILT}), built, "the report wrote")
			refresh_stale_months()
			return rounded(execute(dict(filters))[1]), detailed

		frappe.db.delete(SUMMARY)
		self.assertEqual(*both())  # builds the months
		changes = []

		def change(what, action):
			action()
			changes.append(what)
			with self.subTest(change=what):
				self.assertEqual(*both())

		first, second, third = self.names[:3]
		change("territory edited", lambda: save(first, territory=self.territories[1]))
		change("reopened by a save", lambda: save(second, status="Open"))
		change("reopened by db_set", lambda: frappe.get_doc("Opportunity", third).db_set("status", "Open"))
		change("deleted", lambda: frappe.delete_doc("Opportunity", self.names[3], force=True))
		change(
			"a reason moved to another category",
			lambda: save_reason(self.reasons[0], category="_OP Sum Cat moved"),
		)
		change(
			"a reason renamed", lambda: rename_doc("Opportunity Lost Reason", self.reasons[1], "_OP Sum New")
		)
		change("lost again by the form's dialog", lambda: lose_again(second, self.reasons[2]))
		self.assertEqual(len(changes), 7)

	def test_only_a_system_manager_rebuilds_it(self):
		seller = make_user("op-sum-seller@example.com", roles=("Sales User", "Sales Manager"))
		with self.set_user(seller):
			self.assertRaises(frappe.PermissionError, rebuild_loss_summary)
		frappe.db.delete(SUMMARY)
		rebuild_loss_summary()
		self.assertTrue(frappe.db.exists(SUMMARY, {"dimension": BUILT}))


def save(name, **values):
	doc = frappe.get_doc("Opportunity", name)
	doc.update(values)
	doc.save()


def save_reason(name, **values):
	doc = frappe.get_doc("Opportunity Lost Reason", name)
	doc.update(values)
	doc.save()


def lose_again(name, reason):
	frappe.get_doc("Opportunity", name).declare_enquiry_lost([{"lost_reason": reason}], [])


def rounded(rows):
	return [
		{key: round(value, 4) if isinstance(value, float) else value for key, value in row.items()}
		for row in rows
	]


class TestLossSummaryIsNotReadable(IntegrationTestCase):
	def test_no_role_reads_the_summary_directly(self):
		"""It sums every opportunity: a System Manager without rights on Opportunity must not list it."""
		admin_only = make_user("op-sum-system-manager@example.com", roles=("System Manager",))
		with self.set_user(admin_only):
			self.assertRaises(frappe.PermissionError, frappe.get_list, SUMMARY)


class TestLossSummaryOnAReadReplica(IntegrationTestCase):
	"""Frappe runs reports on a read replica when the site sets read_from_replica. The summary writes
	nothing there: its stale months are read in detail. The replica here is a second real connection to
	the same server, so the data is committed (dated 2019, which no other test uses) and removed after."""

	FILTERS = {"from_date": "2019-01-01", "to_date": "2019-12-31", "group_by": "Reason"}

	def setUp(self):
		self.company = frappe.defaults.get_global_default("company")
		reason = make_reason("_OP Replica Reason")
		self.names = []
		for lost_on, amount in (("2019-03-10", 100), ("2019-07-20", 250), ("2019-07-21", 40)):
			opportunity = make_opportunity(company=self.company)
			opportunity.append("lost_reasons", {"lost_reason": reason})
			opportunity.lost_reasons[0].db_insert()
			frappe.db.set_value(
				"Opportunity",
				opportunity.name,
				{"status": "Lost", "lost_date": f"{lost_on} 10:00:00", "opportunity_amount": amount},
				update_modified=False,
			)
			self.names.append(opportunity.name)
		frappe.db.delete(SUMMARY, {"dimension": BUILT})
		frappe.db.commit()

	def tearDown(self):
		frappe.db.rollback()
		for name in self.names:
			frappe.delete_doc("Opportunity", name, force=True, ignore_permissions=True)
		frappe.db.delete(SUMMARY, {"dimension": BUILT})
		frappe.db.commit()

	def test_a_report_on_the_replica_writes_nothing_and_reads_stale_months_in_detail(self):
		filters = {"company": self.company, **self.FILTERS}
		conf = frappe.local.conf
		conf.update(read_from_replica=1, replica_host="127.0.0.1", replica_db_port=conf.db_port or 3306)

		def on_the_replica():
			"""The report, and what its own connection then holds (it sees its own uncommitted writes)."""
			result = execute(dict(filters))
			return result, frappe.db.count(SUMMARY, {"dimension": BUILT, "month": ("like", "2019%")})

		try:
			on_replica, written_there = frappe.read_only()(on_the_replica)()
		finally:
			for key in ("read_from_replica", "replica_host", "replica_db_port"):
				conf.pop(key, None)
			for attribute in ("replica_db", "primary_db"):
				if hasattr(frappe.local, attribute):
					delattr(frappe.local, attribute)
		self.assertEqual(written_there, 0)
		self.assertEqual(frappe.db.count(SUMMARY, {"dimension": BUILT, "month": ("like", "2019%")}), 0)
		self.assertEqual(rounded(on_replica[1]), rounded(execute(dict(filters), use_summary=False)[1]))
		ours = next(row for row in on_replica[1] if row["group"] == "_OP Replica Reason")
		self.assertEqual((ours["total_count"], ours["total_amount"]), (3, 390))
