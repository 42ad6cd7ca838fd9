"""The pipeline as it stood at a date, on hand-built timelines, and who may see it."""

from datetime import datetime

import frappe
from frappe.utils import getdate

from opportunity_pipeline.api import opportunity_history, pipeline_as_of
from opportunity_pipeline.pipeline_history.record import STATE
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import (
	make_company,
	make_opportunity,
	make_stage,
	make_territory,
	make_user,
)

COMPANY = "_OP History Co"


def at(day: str, hour: int = 12):
	return datetime.fromisoformat(f"{day} {hour:02d}:00:00")


class HistoryTestCase(IntegrationTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company(COMPANY, "_OPH")
		frappe.db.commit()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def opportunity(self, day, **values):
		with self.freeze_time(at(day)):
			return make_opportunity(company=COMPANY, currency="USD", conversion_rate=1, **values)

	def change(self, doc, day, **values):
		with self.freeze_time(at(day)):
			doc.reload()
			doc.update(values)
			doc.save()

	def build(self):
		"""Four opportunities over March 2026:
		A: 1000 at 50 % from the 2nd; amount 2000 on the 10th; lost on the 15th; reopened on the 20th.
		B: 500 at 20 % from the 5th; deleted on the 12th.
		C: 100 EUR at rate 1.1 from the 3rd; rate 1.3 on the 8th.
		D: 700 at 10 % from the 6th; converted on the 9th."""
		make_stage("_OP History A", 50)
		make_stage("_OP History B", 20)
		make_stage("_OP History C", 10)
		a = self.opportunity("2026-03-02", opportunity_amount=1000, sales_stage="_OP History A")
		c = self.opportunity("2026-03-03", opportunity_amount=100, sales_stage="_OP History A")
		with self.freeze_time(at("2026-03-03")):
			c.reload()
			c.currency, c.conversion_rate = "EUR", 1.1
			c.save()
		b = self.opportunity("2026-03-05", opportunity_amount=500, sales_stage="_OP History B")
		d = self.opportunity("2026-03-06", opportunity_amount=700, sales_stage="_OP History C")
		self.change(c, "2026-03-08", conversion_rate=1.3)
		with self.freeze_time(at("2026-03-09")):
			frappe.get_doc("Opportunity", d.name).db_set("status", "Converted")
		self.change(a, "2026-03-10", opportunity_amount=2000)
		with self.freeze_time(at("2026-03-12")):
			frappe.delete_doc("Opportunity", b.name)
		with self.freeze_time(at("2026-03-15")):
			frappe.get_doc("Opportunity", a.name).db_set("status", "Lost")
		with self.freeze_time(at("2026-03-20")):
			frappe.get_doc("Opportunity", a.name).db_set("status", "Open")
		return a, b, c, d


class TestPipelineAsOf(HistoryTestCase):
	def amount(self, day):
		answer = pipeline_as_of(day, COMPANY)
		return answer["count"], round(answer["amount"], 2), round(answer["weighted_amount"], 2)

	def test_hand_built_timeline(self):
		self.build()
		self.assertEqual(self.amount("2026-03-01"), (0, 0, 0))
		self.assertEqual(self.amount("2026-03-02"), (1, 1000, 500))
		# A 1000 (50 %) + C 110 (50 %)
		self.assertEqual(self.amount("2026-03-04"), (2, 1110, 555))
		# + B 500 (20 %) + D 700 (10 %)
		self.assertEqual(self.amount("2026-03-07"), (4, 2310, 725))
		# C's rate: 130
		self.assertEqual(self.amount("2026-03-08"), (4, 2330, 735))
		# D converted
		self.assertEqual(self.amount("2026-03-09"), (3, 1630, 665))
		# A 2000
		self.assertEqual(self.amount("2026-03-10"), (3, 2630, 1165))
		# B deleted
		self.assertEqual(self.amount("2026-03-12"), (2, 2130, 1065))
		# A lost
		self.assertEqual(self.amount("2026-03-15"), (1, 130, 65))
		# A reopened
		self.assertEqual(self.amount("2026-03-20"), (2, 2130, 1065))

	def test_grouped(self):
		self.build()
		answer = pipeline_as_of("2026-03-07", COMPANY, group_by="sales_stage")
		groups = {group["key"]: (group["count"], round(group["amount"], 2)) for group in answer["groups"]}
		self.assertEqual(
			groups, {"_OP History A": (2, 1110), "_OP History B": (1, 500), "_OP History C": (1, 700)}
		)

	def test_bad_input_is_refused(self):
		self.assertRaises(frappe.ValidationError, pipeline_as_of, "not a date", COMPANY)
		self.assertRaises(frappe.ValidationError, pipeline_as_of, "2026-03-07", "_OP No Such Co")
		self.assertRaises(frappe.ValidationError, pipeline_as_of, "2026-03-07", COMPANY, "name; drop")

	def test_a_user_restricted_by_territory_sees_only_its_history(self):
		north, south = make_territory("_OP History North"), make_territory("_OP History South")
		mine = self.opportunity("2026-03-02", opportunity_amount=100, territory=north)
		theirs = self.opportunity("2026-03-02", opportunity_amount=900, territory=south)
		user = make_user("_op_history_north@example.com", roles=("Sales User",))
		frappe.get_doc(
			{"doctype": "User Permission", "user": user, "allow": "Territory", "for_value": north}
		).insert(ignore_permissions=True)
		frappe.set_user(user)
		self.assertEqual(pipeline_as_of("2026-03-05", COMPANY)["amount"], 100)
		rows = frappe.get_list(STATE, filters={"company": COMPANY}, pluck="opportunity")
		self.assertEqual(set(rows), {mine.name})
		self.assertRaises(
			frappe.PermissionError, frappe.get_doc(STATE, {"opportunity": theirs.name}).check_permission
		)
		self.assertRaises(frappe.PermissionError, opportunity_history, theirs.name)

	def test_a_user_without_opportunity_access_gets_nothing(self):
		self.opportunity("2026-03-02", opportunity_amount=100)
		frappe.set_user(make_user("_op_history_nobody@example.com", roles=("Accounts User",)))
		self.assertRaises(frappe.PermissionError, pipeline_as_of, "2026-03-05", COMPANY)
		self.assertRaises(frappe.PermissionError, frappe.get_list, STATE, filters={"company": COMPANY})


class TestFormHistory(HistoryTestCase):
	def test_stays_with_dates_and_days(self):
		make_stage("_OP History A", 50)
		make_stage("_OP History B", 20)
		doc = self.opportunity("2026-03-02", sales_stage="_OP History A")
		self.change(doc, "2026-03-06", sales_stage="_OP History B")
		with self.freeze_time(at("2026-03-16")):
			frappe.get_doc("Opportunity", doc.name).db_set("status", "Lost")
		stays = opportunity_history(doc.name)["stays"]
		self.assertEqual(
			[(stay["stage"], getdate(stay["from"]), stay["days"], stay["ended_as"]) for stay in stays],
			[
				("_OP History A", getdate("2026-03-02"), 4, "Open"),
				("_OP History B", getdate("2026-03-06"), 10, "Lost"),
			],
		)
