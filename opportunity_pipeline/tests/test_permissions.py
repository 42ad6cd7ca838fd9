"""Every number the app shows counts exactly what `frappe.get_list("Opportunity")` shows the same user.

A matrix: users restricted in each way Frappe knows (role, If Owner, User Permissions strict or not and
`applicable_for`, an app's permission_query_conditions hook, a Permission Query server script, shared
documents, no right at all) by every aggregate the app serves, today's and the pipeline history's at past
dates. The expected side is always computed from frappe.get_list run as that user, never from a second
copy of the rules: the history's figures from the rows of the opportunities that list shows, and of the
deleted ones only for a user who may list their Deleted Documents and whose list hides no opportunity.

Two deleted South opportunities' names are reused by North ones, both ways a name comes back: the series
hands the last number back, and a rename to the free name.
"""

from contextlib import contextmanager
from datetime import datetime, time, timedelta
from unittest.mock import patch

import frappe
from frappe.permissions import add_permission, update_permission_property
from frappe.share import add_docshare
from frappe.tests.utils import change_settings, patch_hooks
from frappe.utils import (
	add_days,
	add_months,
	get_first_day,
	get_last_day,
	getdate,
	now_datetime,
	today,
)

from opportunity_pipeline import permissions
from opportunity_pipeline.api import (
	open_pipeline_card,
	pipeline_as_of,
	preview_auto_close,
	weighted_pipeline_card,
)
from opportunity_pipeline.lost.summary import mark_all_stale
from opportunity_pipeline.opportunity_pipeline.dashboard_chart_source.lost_opportunities_by_reason import (
	lost_opportunities_by_reason,
)
from opportunity_pipeline.opportunity_pipeline.dashboard_chart_source.open_opportunities_by_sales_stage import (
	open_opportunities_by_sales_stage,
)
from opportunity_pipeline.opportunity_pipeline.report.follow_up_discipline import follow_up_discipline
from opportunity_pipeline.opportunity_pipeline.report.forecast_accuracy import forecast_accuracy
from opportunity_pipeline.opportunity_pipeline.report.lost_opportunity_analysis import (
	lost_opportunity_analysis,
)
from opportunity_pipeline.opportunity_pipeline.report.opportunity_pipeline_forecast import (
	opportunity_pipeline_forecast,
)
from opportunity_pipeline.opportunity_pipeline.report.pipeline_movement import pipeline_movement
from opportunity_pipeline.opportunity_pipeline.report.stage_velocity import stage_velocity
from opportunity_pipeline.permissions import ReadableSet, readable_once, readable_opportunities
from opportunity_pipeline.pipeline_history.as_of import end_of
from opportunity_pipeline.pipeline_history.record import STATE, record_changes
from opportunity_pipeline.sql import digest
from opportunity_pipeline.statuses import OPEN_STATUSES
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import (
	make_opportunity,
	make_reason,
	make_stage,
	make_territory,
	make_user,
)

OWN_ONLY_ROLE = "_OP Own Opportunities Only"
AUTO_CLOSE_DAYS = 10
# Every matrix user may also preview the auto-close; System Manager gives no right on Opportunity.
PREVIEWER = "System Manager"


def hide_all_but_parity_titles(user=None, doctype=None):
	"""A permission_query_conditions hook, as any installed app may add one. On Frappe 15 with a literal %
	(the app's queries must escape it); Frappe 16's own get_list puts a hook's SQL unescaped into a
	parameterised query, where a % breaks it, so no hook may hold one there."""
	if frappe.__version__.startswith("15."):
		return "`tabOpportunity`.`title` like '%Parity Visible%'"
	return "instr(`tabOpportunity`.`title`, 'Parity Visible') > 0"


@contextmanager
def strict_user_permissions():
	"""Frappe keeps System Settings for the request in frappe.local: forget them on the way in and out."""
	with change_settings("System Settings", apply_strict_user_permissions=1):
		frappe.local.system_settings = None
		try:
			yield
		finally:
			frappe.local.system_settings = None
	frappe.local.system_settings = None


@contextmanager
def server_scripts_enabled():
	"""Server scripts are enabled in common_site_config.json only (as FrappeTestCase.enable_safe_exec)."""
	import os

	from frappe.installer import update_site_config
	from frappe.utils.safe_exec import SAFE_EXEC_CONFIG_KEY

	common = os.path.join(frappe.local.sites_path, "common_site_config.json")
	update_site_config(SAFE_EXEC_CONFIG_KEY, 1, validate=False, site_config_path=common)
	try:
		yield
	finally:
		update_site_config(SAFE_EXEC_CONFIG_KEY, 0, validate=False, site_config_path=common)


class TestPermissionParity(IntegrationTestCase):
	def setUp(self):
		self.own_only_role()
		self.company = frappe.defaults.get_global_default("company")
		self.north, self.south = make_territory("_OP North"), make_territory("_OP South")
		self.reasons = [make_reason("_OP Parity Price"), make_reason("_OP Parity Timing")]
		self.later_stage = make_stage("_OP Parity Later", 30)
		first = get_first_day(add_months(today(), 1))
		self.forecast_range = {"from_date": first, "to_date": get_last_day(add_months(first, 2))}
		self.lost_range = {"from_date": add_months(today(), -2), "to_date": today()}
		self.owner = make_user("op-parity-owner@example.com", roles=(OWN_ONLY_ROLE, PREVIEWER))
		self.names = {
			"north_open": self.opportunity("Parity Visible A", self.north, 100, 10, stale=True),
			"south_open_owned": self.opportunity("Parity B", self.south, 200, 50, owner=self.owner),
			"no_territory_open": self.opportunity("Parity Visible C", "", 500, 40, stale=True),
			"south_lost": self.opportunity("Parity D", self.south, 300, 20, lost=self.reasons[:1]),
			"north_lost": self.opportunity("Parity Visible E", self.north, 400, 20, lost=self.reasons),
			"north_overdue": self.opportunity("Parity F", self.north, 50, 90, closing=add_days(today(), -3)),
		}
		mark_all_stale()  # the losses were dated behind the app's hooks: the summary recomputes them
		self.build_history()

	def build_history(self):
		"""The history: every opportunity as it is, 40 days ago; 20 days ago each open one moved to
		another stage. Two South opportunities lived through both and are then deleted; their names go to
		North ones: the series gives the last number back, and a rename takes the other's free name."""
		opportunity = frappe.qb.DocType("Opportunity")
		self.long_ago, self.moved_on = add_days(now_datetime(), -40), add_days(now_datetime(), -20)
		renamed = self.opportunity("Parity Visible G", self.north, 60, 30)
		deleted = [self.opportunity(title, self.south, 700, 70) for title in ("Parity H", "Parity I")]
		ours = [*self.names.values(), renamed, *deleted]
		frappe.db.delete(STATE, {"opportunity": ("in", ours)})  # their saves today: they began 40 days ago
		record_changes(opportunity.name.isin(ours), now=self.long_ago)
		for name in frappe.get_all(
			"Opportunity", {"name": ("in", ours), "status": ("in", OPEN_STATUSES)}, pluck="name"
		):
			frappe.db.set_value("Opportunity", name, "sales_stage", self.later_stage, update_modified=False)
		record_changes(opportunity.name.isin(ours), now=self.moved_on)
		frappe.delete_doc("Opportunity", deleted[1])  # the last of the series: its number is handed back
		frappe.delete_doc("Opportunity", deleted[0])  # and then this one's
		self.names["reused_by_series"] = self.opportunity("Parity Visible J", self.north, 80, 40)
		self.assertEqual(self.names["reused_by_series"], deleted[0])
		frappe.rename_doc("Opportunity", renamed, deleted[1], force=True)
		self.names["reused_by_rename"] = deleted[1]
		record_changes(opportunity.company == self.company)  # and the history catches up, as after a job

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		frappe.clear_cache(doctype="Opportunity")

	def opportunity(
		self, title, territory, amount, probability, owner=None, lost=(), stale=False, closing=None
	):
		doc = make_opportunity(
			title=title,
			company=self.company,
			territory=territory or None,
			probability=probability,
			expected_closing=closing or add_days(self.forecast_range["from_date"], 5),
		)
		values = {"opportunity_amount": amount, "conversion_rate": 1, "territory": territory or None}
		if owner:
			values["owner"] = owner
		if lost:
			for reason in lost:
				doc.append("lost_reasons", {"lost_reason": reason})
			for row in doc.lost_reasons:
				row.db_insert()
			values.update(status="Lost", lost_date=add_days(now_datetime(), -3))
		if stale:
			values["modified"] = add_days(now_datetime(), -(AUTO_CLOSE_DAYS + 5))
		frappe.db.set_value("Opportunity", doc.name, values, update_modified=False)
		return doc.name

	# Users, one per kind of restriction ------------------------------------------------------------

	def user(self, key, roles=("Sales User", PREVIEWER)):
		return make_user(f"op-parity-{key}@example.com", roles=roles)

	def territory_permission(self, user, applicable_for=None):
		frappe.get_doc(
			{
				"doctype": "User Permission",
				"user": user,
				"allow": "Territory",
				"for_value": self.north,
				"apply_to_all_doctypes": 0 if applicable_for else 1,
				"applicable_for": applicable_for,
			}
		).insert(ignore_permissions=True)
		return user

	def own_only_role(self):
		"""A role that reads only the opportunities its user created ("If Owner")."""
		if not frappe.db.exists("Role", OWN_ONLY_ROLE):
			frappe.get_doc({"doctype": "Role", "role_name": OWN_ONLY_ROLE, "desk_access": 1}).insert()
		add_permission("Opportunity", OWN_ONLY_ROLE, 0)
		update_permission_property("Opportunity", OWN_ONLY_ROLE, 0, "if_owner", 1)
		frappe.clear_cache(doctype="Opportunity")

	@contextmanager
	def permission_query_script(self):
		"""A Permission Query server script showing only _OP South and opportunities without territory."""
		with server_scripts_enabled():
			frappe.get_doc(
				{
					"doctype": "Server Script",
					"name": "_OP Parity Permission Query",
					"script_type": "Permission Query",
					"reference_doctype": "Opportunity",
					"script": "conditions = \"ifnull(`tabOpportunity`.`territory`, '') in ('', '_OP South')\"",
				}
			).insert(ignore_permissions=True)
			frappe.cache.delete_value("server_script_map")
			try:
				yield
			finally:
				frappe.delete_doc("Server Script", "_OP Parity Permission Query", ignore_permissions=True)
				frappe.cache.delete_value("server_script_map")

	def matrix(self):
		"""(label, user, context manager) for each kind of restriction."""
		nothing = contextmanager(lambda: (yield))
		shared_own = self.owner
		add_docshare(
			"Opportunity", self.names["north_lost"], shared_own, read=1, flags={"ignore_share_permission": 1}
		)
		shared_only = self.user("shared-only", roles=("Purchase User", PREVIEWER))
		add_docshare(
			"Opportunity", self.names["south_lost"], shared_only, read=1, flags={"ignore_share_permission": 1}
		)
		return [
			("full read", self.user("full"), nothing),
			("If Owner, with a shared document", shared_own, nothing),
			("User Permission on Territory", self.territory_permission(self.user("territory")), nothing),
			(
				"strict User Permission on Territory",
				self.territory_permission(self.user("strict")),
				strict_user_permissions,
			),
			(
				"User Permission applicable to Opportunity only",
				self.territory_permission(self.user("for-opportunity"), "Opportunity"),
				nothing,
			),
			(
				"User Permission applicable to Lead only (not Opportunity)",
				self.territory_permission(self.user("for-lead"), "Lead"),
				nothing,
			),
			(
				"permission_query_conditions hook of another app",
				self.user("hooked"),
				lambda: patch_hooks(
					{
						"permission_query_conditions": {
							"Opportunity": [f"{__name__}.hide_all_but_parity_titles"],
						}
					}
				),
			),
			("Permission Query server script", self.user("scripted"), self.permission_query_script),
			("only documents shared with them", shared_only, nothing),
		]

	# What the list shows, and what the app shows ------------------------------------------------------

	def listed(self, filters, fields=("name",)):
		return frappe.get_list("Opportunity", filters=filters, fields=list(fields), limit_page_length=0)

	def expected(self):
		money = ("name", "opportunity_amount", "conversion_rate", "probability", "expected_closing")
		open_rows = self.listed({"status": ("in", OPEN_STATUSES), "company": self.company}, money)
		amount = sum(amount_of(row) for row in open_rows)
		weighted = sum(amount_of(row) * (row.probability or 0) / 100 for row in open_rows)
		start, end, now = (
			getdate(self.forecast_range["from_date"]),
			getdate(self.forecast_range["to_date"]),
			getdate(today()),
		)
		in_forecast = [
			row
			for row in open_rows
			if not row.expected_closing
			or row.expected_closing < now
			or max(start, now) <= row.expected_closing <= end
		]
		lost = self.listed(
			{
				"status": "Lost",
				"company": self.company,
				"lost_date": ("between", [self.lost_range["from_date"], self.lost_range["to_date"]]),
			}
		)
		lost_last_year = self.listed(
			{
				"status": "Lost",
				"company": self.company,
				"lost_date": ("between", [add_months(today(), -12), today()]),
			}
		)
		reasons = frappe.get_all(
			"Opportunity Lost Reason Detail",
			filters={
				"parenttype": "Opportunity",
				"parent": ("in", [row.name for row in lost_last_year] or [""]),
			},
			fields=["parent", "lost_reason"],
			distinct=True,
		)
		cutoff = add_days(now_datetime(), -AUTO_CLOSE_DAYS)
		answered = set(
			frappe.get_all(
				"Communication",
				filters={
					"reference_doctype": "Opportunity",
					"communication_type": "Communication",
					"communication_date": (">=", cutoff),
				},
				pluck="reference_name",
			)
		)
		idle = [
			row
			for row in self.listed({"status": ("in", ["Open", "Replied"]), "modified": ("<", cutoff)})
			if row.name not in answered
		]
		return {
			"open card": round(amount, 2),
			"weighted card": round(weighted, 2),
			"forecast count": len(in_forecast),
			"forecast amount": round(sum(amount_of(row) for row in in_forecast), 2),
			"lost analysis count": len(lost),
			"lost chart total": len({(row.parent, row.lost_reason) for row in reasons}),
			"open by stage chart total": len(open_rows),
			"auto-close preview count": len(idle),
			"as-of pipeline count": len(open_rows),
			**self.expected_history(),
		}

	def history_dates(self):
		"""A day after the history began, and a day after the stages moved: both in the past."""
		return getdate(add_days(self.long_ago, 1)), getdate(add_days(self.moved_on, 1))

	def expected_history(self):
		"""The history's figures from the rows of the opportunities the list shows (and of the deleted ones
		for a user who may list their Deleted Documents and whose list hides no opportunity)."""
		listed = {row.name for row in self.listed({"company": self.company})}
		everything = set(frappe.get_all("Opportunity", {"company": self.company}, pluck="name"))
		deleted = set()
		if listed == everything and frappe.has_permission("Deleted Document"):
			deleted = set(
				frappe.get_list(
					"Deleted Document", {"deleted_doctype": "Opportunity"}, pluck="deleted_name", limit=0
				)
			)
		rows = [
			row
			for row in frappe.get_all(STATE, {"company": self.company}, ["*"], limit=0)
			if (row.opportunity in deleted if row.deleted else row.opportunity in listed)
		]

		def open_at(moment):
			return [
				row
				for row in rows
				if row.status in OPEN_STATUSES
				and row.valid_from < moment
				and (row.valid_to is None or row.valid_to >= moment)
			]

		first, second = self.history_dates()
		month = getdate(get_first_day(self.forecast_range["from_date"]))
		moment = datetime.combine(month - timedelta(weeks=4), time.min)
		return {
			"as-of past count": len(open_at(end_of(first))),
			"as-of past amount": round(sum(row.amount for row in open_at(end_of(first))), 2),
			"movement opening count": len(open_at(end_of(first))),
			"movement closing count": len(open_at(end_of(second))),
			"stage velocity stays": len(
				[
					row
					for row in rows
					if row.left_stage
					and getdate(add_months(today(), -1)) <= getdate(row.valid_from) <= getdate(today())
				]
			),
			"follow-up discipline open at end": len(open_at(end_of(first))),
			"forecast accuracy forecast": round(
				sum(
					row.amount * row.probability / 100
					for row in open_at(moment)
					if row.expected_closing and get_first_day(row.expected_closing) == month
				),
				2,
			),
		}

	def aggregates(self):
		"""What the app shows, by name: each a call made as the current user."""
		company = {"company": self.company}
		chart = {"name": "x", "filters_json": "{}"}

		def forecast_rows():
			return opportunity_pipeline_forecast.execute({**company, **self.forecast_range})[1]

		def lost_count():
			summary = lost_opportunity_analysis.execute({**company, **self.lost_range})[4]
			return next(card["value"] for card in summary if card["label"] == "Opportunities Lost")

		return {
			"open card": lambda: round(open_pipeline_card(company)["value"], 2),
			"weighted card": lambda: round(weighted_pipeline_card(company)["value"], 2),
			"forecast count": lambda: sum(
				row.get("count", 0) + row.get("overdue_count", 0) + row.get("undated_count", 0)
				for row in forecast_rows()
			),
			"forecast amount": lambda: round(
				sum(
					row.get("amount", 0) + row.get("overdue_amount", 0) + row.get("undated_amount", 0)
					for row in forecast_rows()
				),
				2,
			),
			"lost analysis count": lost_count,
			"lost chart total": lambda: sum(
				lost_opportunities_by_reason.get(chart=chart, filters=company)["datasets"][0]["values"]
			),
			"open by stage chart total": lambda: sum(
				open_opportunities_by_sales_stage.get(chart=chart, filters=company)["datasets"][0]["values"]
			),
			"auto-close preview count": lambda: preview_auto_close(
				days=AUTO_CLOSE_DAYS, statuses=["Open", "Replied"], limit=1
			)["count"],
			# The history joined to the permissions (permissions.join_readable), through the narrow index
			# or, for a condition on another column (the hook's title), through the table.
			"as-of pipeline count": lambda: pipeline_as_of(today(), self.company)["count"],
			**self.history_aggregates(),
		}

	def history_aggregates(self):
		"""The history's reports and the as-of pipeline at past dates, by name."""
		first, second = self.history_dates()
		company = {"company": self.company}
		month = get_first_day(self.forecast_range["from_date"])

		def movement(line):
			filters = {**company, "from_date": first, "to_date": second, "value": "Count"}
			return pipeline_movement.execute(filters)[1][0][frappe.scrub(line)]

		def reported(module, filters, column):
			return sum(row[column] or 0 for row in module.execute({**company, **filters})[1])

		return {
			"as-of past count": lambda: pipeline_as_of(first, self.company)["count"],
			"as-of past amount": lambda: round(pipeline_as_of(first, self.company)["amount"], 2),
			"movement opening count": lambda: movement("Opening"),
			"movement closing count": lambda: movement("Closing"),
			"stage velocity stays": lambda: reported(
				stage_velocity, {"from_date": add_months(today(), -1), "to_date": today()}, "stays"
			),
			"follow-up discipline open at end": lambda: reported(
				follow_up_discipline, {"from_date": add_days(first, -7), "to_date": first}, "open"
			),
			"forecast accuracy forecast": lambda: round(
				reported(
					forecast_accuracy,
					{"from_date": month, "to_date": get_last_day(month), "weeks": "4"},
					"forecast",
				),
				2,
			),
		}

	def shown(self):
		return {name: aggregate() for name, aggregate in self.aggregates().items()}

	def test_every_aggregate_equals_the_same_sum_over_get_list_for_every_kind_of_restriction(self):
		checked = 0
		for label, user, context in self.matrix():
			with self.subTest(restriction=label), context(), self.set_user(user):
				expected, shown = self.expected(), self.shown()
				self.assertEqual(shown, expected)
				checked += len(shown)
		self.assertEqual(checked, 9 * 16)

	def test_the_history_reports_agree_whether_the_readable_set_is_kept_or_read_by_each_query(self):
		"""Pipeline Movement and Follow-up Discipline keep the set once (permissions.readable_once); in
		Frappe's read-only mode, where no temporary table can be made, each query reads it itself."""
		for label, user, context in self.matrix():
			with self.subTest(restriction=label), context(), self.set_user(user):
				kept = {name: aggregate() for name, aggregate in self.history_aggregates().items()}
				frappe.flags.read_only = True
				try:
					each_query = {name: aggregate() for name, aggregate in self.history_aggregates().items()}
				finally:
					frappe.flags.read_only = False
				self.assertEqual(kept, each_query)

	def test_the_restrictions_really_narrow_the_list(self):
		"""The matrix above would pass with every user seeing everything: prove each restriction bites."""
		users = {label: (user, context) for label, user, context in self.matrix()}
		ours = set(self.names.values())

		def visible(label):
			user, context = users[label]
			with context(), self.set_user(user):
				return {row.name for row in self.listed({"name": ("in", list(ours))})}

		names = self.names
		self.assertEqual(visible("full read"), ours)
		self.assertEqual(
			visible("If Owner, with a shared document"), {names["south_open_owned"], names["north_lost"]}
		)
		reused = {names["reused_by_series"], names["reused_by_rename"]}
		north_or_unset = {
			names["north_open"],
			names["no_territory_open"],
			names["north_lost"],
			names["north_overdue"],
			*reused,
		}
		self.assertEqual(visible("User Permission on Territory"), north_or_unset)
		self.assertEqual(
			visible("strict User Permission on Territory"), north_or_unset - {names["no_territory_open"]}
		)
		self.assertEqual(visible("User Permission applicable to Opportunity only"), north_or_unset)
		self.assertEqual(visible("User Permission applicable to Lead only (not Opportunity)"), ours)
		self.assertEqual(
			visible("permission_query_conditions hook of another app"),
			{names["north_open"], names["no_territory_open"], names["north_lost"], *reused},
		)
		self.assertEqual(
			visible("Permission Query server script"),
			{names["south_open_owned"], names["no_territory_open"], names["south_lost"]},
		)
		self.assertEqual(visible("only documents shared with them"), {names["south_lost"]})

	def test_a_user_who_may_read_no_opportunity_is_refused_everywhere(self):
		outsider = self.user("outsider", roles=("Purchase User", PREVIEWER))
		with self.set_user(outsider):
			self.assertRaises(frappe.PermissionError, frappe.get_list, "Opportunity")
			for name, aggregate in self.aggregates().items():
				with self.subTest(aggregate=name):
					self.assertRaises(frappe.PermissionError, aggregate)


class TestReadableOnce(IntegrationTestCase):
	"""permissions.readable_once: a report's history queries read the user's readable opportunities once."""

	def setUp(self):
		company = frappe.defaults.get_global_default("company")
		north, south = make_territory("_OP North"), make_territory("_OP South")
		self.north = [make_opportunity(title="_OP Once", company=company, territory=north).name for _ in "ab"]
		self.south = make_opportunity(title="_OP Once", company=company, territory=south).name
		self.user = make_user("op-once-territory@example.com")
		frappe.get_doc(
			{"doctype": "User Permission", "user": self.user, "allow": "Territory", "for_value": north}
		).insert(ignore_permissions=True)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def test_the_set_holds_what_the_list_shows_for_the_block_only(self):
		with self.set_user(self.user):
			listed = frappe.get_list("Opportunity", pluck="name", limit_page_length=0)
			with readable_once(readable_opportunities()) as readable:
				self.assertIsInstance(readable, ReadableSet)
				kept = frappe.qb.from_(readable.table).select(readable.table.digest).run(pluck=True)
		self.assertEqual(sorted(kept), sorted(digest(name) for name in listed))
		self.assertTrue(set(self.north) <= set(listed))
		self.assertNotIn(self.south, listed)
		with self.assertRaises(Exception) as gone:
			frappe.qb.from_(readable.table).select("*").run()
		self.assertTrue(frappe.db.is_table_missing(gone.exception))

	def test_the_set_commits_nothing_written_before_it(self):
		"""Frappe refuses a CREATE after a write, as it would commit it; a temporary table's does not."""
		self.assertTrue(frappe.db.transaction_writes)
		with self.set_user(self.user), readable_once(readable_opportunities()) as readable:
			self.assertIsInstance(readable, ReadableSet)  # the table was made, after this test's writes
		frappe.db.rollback()
		self.assertFalse(frappe.db.exists("Opportunity", self.south))

	def test_in_read_only_mode_each_query_reads_the_set_itself(self):
		frappe.flags.read_only = True
		try:
			with self.set_user(self.user), readable_once(readable_opportunities()) as readable:
				self.assertIsNotNone(readable)
				self.assertNotIsInstance(readable, ReadableSet)
		finally:
			frappe.flags.read_only = False

	def test_a_site_with_more_opportunities_than_the_set_holds_reads_it_by_each_query(self):
		with patch.object(permissions, "READABLE_SET_MB", 0), self.set_user(self.user):
			with readable_once(readable_opportunities()) as readable:
				self.assertIsNotNone(readable)
				self.assertNotIsInstance(readable, ReadableSet)

	def test_a_user_nothing_restricts_needs_no_set(self):
		with readable_once(readable_opportunities()) as readable:
			self.assertIsNone(readable)


def amount_of(row):
	return (row.opportunity_amount or 0) * (row.conversion_rate if (row.conversion_rate or 0) > 0 else 1)
