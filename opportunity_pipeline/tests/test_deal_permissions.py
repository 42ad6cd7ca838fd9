"""Every number the app shows about Frappe CRM's deals counts exactly what `frappe.get_list("CRM Deal")`
shows the same user (skipped where Frappe CRM is not installed).

The deals' side of the parity matrix (test_permissions.py is the opportunities'): users restricted in each
way Frappe and Frappe CRM know (User Permissions on CRM Territory, strict or not; a role with If Owner; a
permission_query_conditions hook, as Frappe CRM's own org hierarchy adds from v1.73; documents shared with
a user; no right at all) by every aggregate the app serves on deals: the forecast (with its Stalled
column), the lost analysis and the auto-close preview. The expected side is always computed from
frappe.get_list run as that user, never from a second copy of the rules.
"""

import unittest
from contextlib import nullcontext

import frappe
from frappe.permissions import add_permission, update_permission_property
from frappe.share import add_docshare
from frappe.tests.utils import patch_hooks
from frappe.utils import add_days, add_months, get_first_day, get_last_day, now_datetime, today

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.api import preview_deal_auto_close
from opportunity_pipeline.document_types import open_statuses
from opportunity_pipeline.opportunity_pipeline.report.lost_opportunity_analysis.lost_opportunity_analysis import (
	execute as lost_analysis,
)
from opportunity_pipeline.opportunity_pipeline.report.opportunity_pipeline_forecast.opportunity_pipeline_forecast import (
	execute as forecast,
)
from opportunity_pipeline.pipeline_document import CRM_DEAL
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import deal_status_of_type, make_deal_status, make_user
from opportunity_pipeline.tests.test_permissions import strict_user_permissions

OWN_DEALS_ONLY_ROLE = "_OP Own Deals Only"
IDLE_DAYS = 10
PARITY = "_OP Deal Parity"


def only_deals_they_own(user=None, doctype=None):
	"""A permission_query_conditions hook on CRM Deal, as Frappe CRM's org hierarchy (v1.73 and later)."""
	user = user or frappe.session.user
	return f"`tabCRM Deal`.`deal_owner` = {frappe.db.escape(user)}"


@unittest.skipUnless(frappe_crm.installed(), "Frappe CRM is not installed on this site")
class TestDealPermissionParity(IntegrationTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		self.company = frappe.defaults.get_global_default("company")
		self.north, self.south = (
			self.territory("_OP Deal Parity North"),
			self.territory("_OP Deal Parity South"),
		)
		self.open = make_deal_status("_OP Parity Open", "Open")
		self.slow = make_deal_status("_OP Parity Slow", "Ongoing")
		frappe.db.set_value("CRM Deal Status", self.slow, "stalled_after_days", 3)
		self.lost = deal_status_of_type("Lost")
		for reason in ("_OP Parity Price", "_OP Parity Timing"):
			if not frappe.db.exists("CRM Lost Reason", reason):
				frappe.get_doc({"doctype": "CRM Lost Reason", "lost_reason": reason}).insert()
		first = get_first_day(add_months(today(), 1))
		self.forecast_range = {"from_date": first, "to_date": get_last_day(first)}
		self.lost_range = {"from_date": add_months(today(), -2), "to_date": today()}
		self.own_deals_only_role()
		self.seller = make_user("op-deal-parity-seller@example.com", roles=(OWN_DEALS_ONLY_ROLE,))
		self.names = {
			"north_open_idle": self.deal(self.open, self.north, 100, idle=True),
			"south_open_owned": self.deal(self.open, self.south, 200, owner=self.seller),
			"no_territory_stalled": self.deal(self.slow, None, 500, stalled=True, idle=True),
			"south_stalled_owned": self.deal(self.slow, self.south, 250, stalled=True, owner=self.seller),
			"north_lost": self.deal(self.lost, self.north, 400, reason="_OP Parity Price"),
			"south_lost": self.deal(self.lost, self.south, 300, reason="_OP Parity Timing"),
		}
		frappe.db.set_single_value("FCRM Settings", "close_deals_after_days", IDLE_DAYS)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		frappe.clear_cache(doctype="CRM Deal")

	def territory(self, name):
		if not frappe.db.exists("CRM Territory", name):
			frappe.get_doc({"doctype": "CRM Territory", "territory_name": name}).insert()
		return name

	def own_deals_only_role(self):
		if not frappe.db.exists("Role", OWN_DEALS_ONLY_ROLE):
			frappe.get_doc({"doctype": "Role", "role_name": OWN_DEALS_ONLY_ROLE, "desk_access": 1}).insert()
		add_permission("CRM Deal", OWN_DEALS_ONLY_ROLE, 0)
		update_permission_property("CRM Deal", OWN_DEALS_ONLY_ROLE, 0, "if_owner", 1)
		update_permission_property("CRM Deal", OWN_DEALS_ONLY_ROLE, 0, "report", 1)

	def deal(self, status, territory, value, owner=None, stalled=False, idle=False, reason=None):
		deal = frappe.get_doc({"doctype": "CRM Deal", "status": self.open, "next_step": PARITY}).insert()
		values = {
			"status": status,
			"territory": territory,
			"deal_value": value,
			"exchange_rate": 1,
			"probability": 50,
			"expected_closure_date": add_days(self.forecast_range["from_date"], 5),
			"is_stalled": int(stalled),
			"deal_owner": owner,
			"owner": owner or "Administrator",
		}
		if reason:
			values.update(lost_reason=reason, lost_date=add_days(now_datetime(), -3))
		if idle:
			values["modified"] = add_days(now_datetime(), -(IDLE_DAYS + 5))
		frappe.db.set_value("CRM Deal", deal.name, values, update_modified=False)
		return deal.name

	# Users, one per kind of restriction ------------------------------------------------------------

	def user(self, key, roles=("Sales User", "System Manager")):
		return make_user(f"op-deal-parity-{key}@example.com", roles=roles)

	def north_only(self, user):
		frappe.get_doc(
			{"doctype": "User Permission", "user": user, "allow": "CRM Territory", "for_value": self.north}
		).insert(ignore_permissions=True)
		return user

	def matrix(self):
		"""(label, user, context manager factory) for each kind of restriction."""
		shared = self.user("shared", roles=(OWN_DEALS_ONLY_ROLE,))
		add_docshare(
			"CRM Deal", self.names["north_lost"], shared, read=1, flags={"ignore_share_permission": 1}
		)
		hooked = self.user("hooked")
		frappe.db.set_value("CRM Deal", self.names["north_open_idle"], "deal_owner", hooked)
		frappe.db.set_value("CRM Deal", self.names["north_lost"], "deal_owner", hooked)
		return [
			("full read", self.user("full"), nullcontext),
			("User Permission on CRM Territory", self.north_only(self.user("north")), nullcontext),
			(
				"strict User Permission on CRM Territory",
				self.north_only(self.user("strict-north")),
				strict_user_permissions,
			),
			("If Owner", self.seller, nullcontext),
			("only documents shared with them", shared, nullcontext),
			(
				"permission_query_conditions hook (Frappe CRM's org hierarchy)",
				hooked,
				lambda: patch_hooks(
					{"permission_query_conditions": {"CRM Deal": [f"{__name__}.only_deals_they_own"]}}
				),
			),
		]

	# Both sides ------------------------------------------------------------------------------------

	def listed(self, filters=None, fields=("name",)):
		return frappe.get_list(
			"CRM Deal",
			filters={"next_step": PARITY, **(filters or {})},
			fields=list(fields),
			limit_page_length=0,
		)

	def expected(self) -> dict:
		open_rows = self.listed(
			{"status": ("in", open_statuses(CRM_DEAL))}, ("name", "deal_value", "is_stalled", "modified")
		)
		lost_rows = self.listed({"status": self.lost}, ("name", "deal_value"))
		cutoff = add_days(now_datetime(), -IDLE_DAYS)
		expected = {
			"forecast": (len(open_rows), sum(row.deal_value for row in open_rows)),
			"forecast stalled apart": sum(row.is_stalled for row in open_rows),
			"lost": (len(lost_rows), sum(row.deal_value for row in lost_rows)),
		}
		if "System Manager" in frappe.get_roles():
			expected["preview"] = sorted(row.name for row in open_rows if row.modified < cutoff)
		return expected

	def shown(self) -> dict:
		base = {"company": self.company, "document_type": "CRM Deal"}
		# By stage: the parity deals are alone in their statuses (the site may hold Frappe CRM's demo deals).
		by_stage = {**base, **self.forecast_range, "group_by": "Sales Stage"}
		rows = [row for row in forecast(by_stage)[1] if str(row["group"]).startswith("_OP Parity")]
		apart = forecast({**by_stage, "stalled": "Show Apart"})[1]
		apart = [row for row in apart if str(row["group"]).startswith("_OP Parity")]
		lost = lost_analysis({**base, **self.lost_range, "periodicity": "Monthly"})[1]
		ours = [row for row in lost if str(row["group"]).startswith("_OP Parity")]
		shown = {
			"forecast": (
				sum(row.get("count") or 0 for row in rows),
				sum(row.get("amount") or 0 for row in rows),
			),
			"forecast stalled apart": sum(row.get("stalled_count") or 0 for row in apart),
			"lost": (sum(row["total_count"] for row in ours), sum(row["total_amount"] for row in ours)),
		}
		if "System Manager" in frappe.get_roles():
			previewed = preview_deal_auto_close(limit=500)["deals"]
			shown["preview"] = sorted(row["name"] for row in previewed if row["name"] in self.names.values())
		return shown

	def test_every_aggregate_equals_the_same_sum_over_get_list_for_every_kind_of_restriction(self):
		for label, user, context in self.matrix():
			with self.subTest(restriction=label), context(), self.set_user(user):
				self.assertEqual(self.shown(), self.expected())

	def test_the_restrictions_really_narrow_the_list(self):
		"""The matrix above would pass with every user seeing everything: prove each restriction bites."""
		names, visible = self.names, {}
		for label, user, context in self.matrix():
			with context(), self.set_user(user):
				visible[label] = {row.name for row in self.listed()}
		self.assertEqual(visible["full read"], set(names.values()))
		north_or_unset = {names["north_open_idle"], names["no_territory_stalled"], names["north_lost"]}
		self.assertEqual(visible["User Permission on CRM Territory"], north_or_unset)
		self.assertEqual(
			visible["strict User Permission on CRM Territory"],
			north_or_unset - {names["no_territory_stalled"]},
		)
		self.assertEqual(visible["If Owner"], {names["south_open_owned"], names["south_stalled_owned"]})
		self.assertEqual(visible["only documents shared with them"], {names["north_lost"]})
		self.assertEqual(
			visible["permission_query_conditions hook (Frappe CRM's org hierarchy)"],
			{names["north_open_idle"], names["north_lost"]},
		)

	def test_a_user_who_may_read_no_deal_is_refused_everywhere(self):
		outsider = self.user("outsider", roles=("Purchase User",))
		base = {"company": self.company, "document_type": "CRM Deal"}
		with self.set_user(outsider):
			self.assertRaises(frappe.PermissionError, frappe.get_list, "CRM Deal")
			self.assertRaises(frappe.PermissionError, forecast, {**base, **self.forecast_range})
			self.assertRaises(frappe.PermissionError, lost_analysis, {**base, **self.lost_range})
			self.assertRaises(frappe.PermissionError, preview_deal_auto_close)
