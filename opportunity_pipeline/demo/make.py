"""The demo pipeline on a site: demo/plan.py's year played through the app's own paths, day by day at
that day's date (the clock frozen, as the tests freeze it), by the sales people themselves: opportunities
saved through the form's path, quotations and sales orders made by ERPNext's mappers and submitted,
losses declared through api.declare_lost or a quotation declared lost, the auto-close job run every
week. So the history, the follow-up events, the losses summary and the learned probability are written
as the app writes them, never by hand.

Only on a site that holds no other sales data; everything it made is listed in a manifest (the site's
defaults) and `remove_demo` deletes it all again. ERPNext's set-up (the company, if the demo completed
the setup wizard) stays."""

import json
from contextlib import contextmanager
from datetime import datetime, time

import frappe
from frappe import _
from frappe.utils import add_days, add_years, getdate, now_datetime

from opportunity_pipeline.demo import plan
from opportunity_pipeline.forecast.kanban import ensure_sales_stage_board
from opportunity_pipeline.lost.queries import opportunity_field
from opportunity_pipeline.statuses import OPEN_STATUSES

MANIFEST = "opportunity_pipeline_demo"
DOMAIN = "demo.example.com"
# Sales data the demo will not mix with: a site holding any of these is refused.
SALES_DATA = ("Opportunity", "Lead", "Prospect", "Customer", "Quotation", "Sales Order")
COMPANY = "Demo Pipeline Ltd"


def commit():
	"""Each moment is committed, so an interrupted demo keeps what it made (and its manifest); a test
	plays it inside its own transaction."""
	if not frappe.flags.in_test:
		frappe.db.commit()


class DemoSite:
	def __init__(self, seed: int):
		self.seed = seed
		self.made = []  # (doctype, name), in the order made
		self.settings = {}  # Selling Settings and Sales Stage values before the demo
		self.quotations = {}  # opportunity -> quotation
		self.users = []  # (e-mail, territory) per sales person of plan.SALES_PEOPLE
		self.sales_people = {}  # e-mail -> Sales Person
		self.customers, self.leads = [], []

	def keep(self, doctype: str, name: str) -> str:
		self.made.append((doctype, name))
		return name

	def save_manifest(self):
		frappe.db.set_default(
			MANIFEST, json.dumps({"seed": self.seed, "made": self.made, "settings": self.settings})
		)


def make_demo(seed: int = 2026) -> dict:
	"""Fill this site with the demo pipeline; returns what it made, counted by DocType."""
	refuse_unless_empty()
	company = complete_setup()
	site = DemoSite(seed)
	frappe.flags.mute_emails = True
	try:
		reference_data(site, company)
		site.save_manifest()
		commit()
		play(site, company, plan.story(seed))
		ensure_sales_stage_board()
		finish(company)
		forecast_this_quarter(site, company)
	finally:
		frappe.set_user("Administrator")
		site.save_manifest()
		commit()
	counts = {}
	for doctype, _name in site.made:
		counts[doctype] = counts.get(doctype, 0) + 1
	return counts


def refuse_unless_empty():
	if frappe.db.get_default(MANIFEST):
		frappe.throw(_("This site already holds the demo pipeline: remove it first."))
	held = [doctype for doctype in SALES_DATA if frappe.db.count(doctype)]
	if held:
		frappe.throw(
			_("The demo pipeline goes only on a site without sales data; this one holds: {0}.").format(
				", ".join(_(doctype) for doctype in held)
			)
		)


def complete_setup() -> str:
	"""ERPNext's setup wizard, when it has not run (as ERPNext's own before_tests completes it)."""
	if not frappe.db.a_row_exists("Company"):
		from frappe.desk.page.setup_wizard.setup_wizard import setup_complete

		year = now_datetime().year
		setup_complete(
			{
				"currency": "USD",
				"full_name": "Demo Administrator",
				"company_name": COMPANY,
				"timezone": frappe.db.get_single_value("System Settings", "time_zone") or "Europe/Paris",
				"company_abbr": "DPL",
				"industry": "Services",
				"country": "United States",
				"fy_start_date": f"{year}-01-01",
				"fy_end_date": f"{year}-12-31",
				"language": "english",
				"company_tagline": "Demo",
				"email": f"admin@{DOMAIN}",
				"password": "admin",
				"chart_of_accounts": "Standard",
			}
		)
		commit()
	company = frappe.defaults.get_global_default("company") or frappe.get_all("Company", pluck="name")[0]
	previous_fiscal_year()
	return company


def previous_fiscal_year():
	"""The story starts a year ago: the fiscal year before the earliest one must exist for its quotations
	and orders (the setup wizard makes only the current one). ERPNext's own rule says which year a day is
	in (get_fiscal_year); a missing one is the earliest year, a year earlier."""
	from erpnext.accounts.utils import FiscalYearError, get_fiscal_year

	try:
		get_fiscal_year(add_days(now_datetime(), -plan.DAYS - 1))
		return
	except FiscalYearError:
		pass
	earliest = getdate(
		frappe.get_all("Fiscal Year", pluck="year_start_date", order_by="year_start_date asc")[0]
	)
	start, end = add_years(earliest, -1), add_days(earliest, -1)
	name = str(start.year) if start.year == end.year else f"{start.year}-{end.year}"
	frappe.get_doc(
		{"doctype": "Fiscal Year", "year": name, "year_start_date": start, "year_end_date": end}
	).insert(ignore_permissions=True)
	commit()


# -- Reference data ------------------------------------------------------------------------------------


def insert(site: DemoSite, values: dict, name: str | None = None):
	doc = frappe.get_doc(values)
	if name and frappe.db.exists(doc.doctype, name):
		return frappe.get_doc(doc.doctype, name)
	doc.insert(ignore_permissions=True)
	site.keep(doc.doctype, doc.name)
	return doc


def reference_data(site: DemoSite, company: str):
	root = (
		frappe.db.get_value("Territory", {"is_group": 1, "parent_territory": ("in", ("", None))})
		or "All Territories"
	)
	for region, countries in plan.TERRITORIES.items():
		insert(
			site,
			{"doctype": "Territory", "territory_name": region, "parent_territory": root, "is_group": 1},
			region,
		)
		for country in countries:
			insert(
				site, {"doctype": "Territory", "territory_name": country, "parent_territory": region}, country
			)
	team = (
		frappe.db.get_value("Sales Person", {"is_group": 1})
		or insert(site, {"doctype": "Sales Person", "sales_person_name": "Sales Team", "is_group": 1}).name
	)
	targets = quota_targets(site)
	site.users = []
	for index, (full_name, territory) in enumerate(plan.SALES_PEOPLE):
		email = f"{full_name.split()[0].lower()}@{DOMAIN}"
		first, last = full_name.split()
		roles = ["Sales User"] + (["Sales Manager"] if index == 0 else [])
		insert(
			site,
			{
				"doctype": "User",
				"email": email,
				"first_name": first,
				"last_name": last,
				"send_welcome_email": 0,
				"roles": [{"role": role} for role in roles],
			},
			email,
		)
		employee = insert(
			site,
			{
				"doctype": "Employee",
				"first_name": first,
				"last_name": last,
				"gender": frappe.db.get_value("Gender", {}, "name"),
				"date_of_birth": "1990-01-01",
				"date_of_joining": add_years(getdate(), -3),
				"company": company,
				"status": "Active",
				"user_id": email,
			},
		).name
		insert(
			site,
			{
				"doctype": "Sales Person",
				"sales_person_name": full_name,
				"parent_sales_person": team,
				"employee": employee,
				"targets": targets,
			},
			full_name,
		)
		site.users.append((email, territory))
		site.sales_people[email] = full_name
	source_doctype = frappe.get_meta("Opportunity").get_field(opportunity_field("source")).options
	for source in plan.SOURCES:
		insert(site, {"doctype": source_doctype, "source_name": source, "name": source}, source)
	for reason, category in plan.LOST_REASONS.items():
		insert(
			site, {"doctype": "Opportunity Lost Reason", "lost_reason": reason, "category": category}, reason
		)
		insert(site, {"doctype": "Quotation Lost Reason", "order_lost_reason": reason}, reason)
	for competitor in plan.COMPETITORS:
		insert(site, {"doctype": "Competitor", "competitor_name": competitor}, competitor)
	item_group = frappe.db.get_value("Item Group", {"is_group": 0}) or "All Item Groups"
	for item, rate in plan.ITEMS.items():
		insert(
			site,
			{
				"doctype": "Item",
				"item_code": item,
				"item_name": item,
				"item_group": item_group,
				"is_stock_item": 0,
				"stock_uom": "Nos",
				"standard_rate": rate,
			},
			item,
		)
	countries = [country for countries in plan.TERRITORIES.values() for country in countries]
	customer_groups = frappe.get_all("Customer Group", {"is_group": 0}, pluck="name", order_by="name") or [
		"All Customer Groups"
	]
	site.customers = [
		insert(
			site,
			{
				"doctype": "Customer",
				"customer_name": f"{name} {kind}",
				"customer_group": customer_groups[number % len(customer_groups)],
				"territory": countries[number % len(countries)],
			},
		).name
		for number, (name, kind) in enumerate(_company_names(plan.CUSTOMERS, 0))
	]
	site.leads = [
		insert(
			site,
			{
				"doctype": "Lead",
				"first_name": first,
				"last_name": "Contact",
				"company_name": f"{name} {kind}",
				"territory": countries[number % len(countries)],
				lead_source_field(): list(plan.SOURCES)[number % len(plan.SOURCES)],
			},
		).name
		for number, ((name, kind), first) in enumerate(
			zip(_company_names(plan.LEADS, 7), _first_names(plan.LEADS), strict=True)
		)
	]
	for stage in plan.STAGES:
		if not frappe.db.exists("Sales Stage", stage):
			insert(site, {"doctype": "Sales Stage", "stage_name": stage}, stage)
		before = frappe.db.get_value("Sales Stage", stage, "stalled_after_days")
		site.settings[f"Sales Stage:{stage}"] = before
		frappe.db.set_value("Sales Stage", stage, "stalled_after_days", plan.STALLED_AFTER.get(stage, 0))
	demo_settings = {
		"close_opportunity_after_days": 45,
		"auto_close_open": 1,
		"auto_close_replied": 1,
		"win_probability_method": "Learned",
	}
	for field, value in demo_settings.items():
		site.settings[f"Selling Settings:{field}"] = frappe.db.get_single_value("Selling Settings", field)
		frappe.db.set_single_value("Selling Settings", field, value)


def quota_targets(site: DemoSite) -> list[dict]:
	"""A sales person's targets: plan.YEARLY_QUOTA in each fiscal year the story and today fall in (that
	the site has), spread evenly over its months (a Monthly Distribution, which ERPNext asks of every
	target)."""
	from erpnext.accounts.utils import FiscalYearError, get_fiscal_year

	years = set()
	for day in (add_days(now_datetime(), -plan.DAYS), now_datetime()):
		try:
			years.add(get_fiscal_year(day, verbose=0)[0])
		except FiscalYearError:
			pass  # a site whose first fiscal year begins after the story does
	targets = []
	for year in sorted(years):
		name = f"Demo Even Months {year}"
		if not frappe.db.exists("Monthly Distribution", name):
			distribution = frappe.get_doc(
				{"doctype": "Monthly Distribution", "distribution_id": name, "fiscal_year": year}
			)
			distribution.get_months()
			for row in distribution.percentages:
				row.percentage_allocation = 100 / 12
			distribution.insert(ignore_permissions=True)
			site.keep("Monthly Distribution", distribution.name)
		targets.append({"fiscal_year": year, "target_amount": plan.YEARLY_QUOTA, "distribution_id": name})
	return targets


def lead_source_field() -> str:
	"""Lead's source: source on ERPNext 15, utm_source on 16."""
	return "source" if frappe.get_meta("Lead").has_field("source") else "utm_source"


def _company_names(count: int, offset: int):
	names = (
		"Acme",
		"Blue Harbor",
		"Cedar",
		"Delta",
		"Everest",
		"Fjord",
		"Granite",
		"Helix",
		"Iris",
		"Juniper",
	)
	kinds = ("Logistics", "Foods", "Energy", "Health", "Retail", "Labs")
	return [
		(names[(n + offset) % len(names)], kinds[(n + offset) // len(names) % len(kinds)])
		for n in range(count)
	]


def _first_names(count: int):
	names = ("Ana", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jade", "Kai", "Lea")
	return [names[n % len(names)] for n in range(count)]


# -- The year ------------------------------------------------------------------------------------------


@contextmanager
def frozen(moment: datetime):
	"""The clock at `moment` (the site's time zone), as Frappe's tests freeze it."""
	import pytz
	from freezegun import freeze_time

	from frappe.utils import get_system_timezone

	utc = pytz.timezone(get_system_timezone()).localize(moment).astimezone(pytz.utc)
	with freeze_time(utc, tick=True):  # ticking: two saves of one document never share a moment
		yield


def play(site: DemoSite, company: str, story: list):
	"""Every moment of the story, as its sales person; the auto-close job each week. The steps one
	opportunity takes at one moment are one save, as a user makes them in one form."""
	from opportunity_pipeline.auto_close.job import close_idle_opportunities

	start = getdate(add_days(now_datetime(), -plan.DAYS))
	moments = {}
	for number, opportunity in enumerate(story):
		for step in opportunity.steps:
			moments.setdefault((step.day, step.hour, number), (opportunity, []))[1].append(step)
	names, week = {}, None
	for (day, hour, _number), (opportunity, steps) in sorted(moments.items(), key=lambda item: item[0]):
		if week != day // 7:
			week = day // 7
			with frozen(datetime.combine(add_days(start, day), time(2, 0))):
				close_idle_opportunities(commit=False)  # committed below, as every moment is
			commit()
		user, territory = site.users[opportunity.owner]
		moment = datetime.combine(add_days(start, day), time(hour, 0))
		with frozen(moment):
			frappe.set_user(user)
			try:
				act(site, company, opportunity, steps, names, user, territory, moment)
			finally:
				frappe.set_user("Administrator")
		commit()


EDITS = (plan.STAGE, plan.FOLLOW_UP, plan.AMOUNT)


def act(site, company, opportunity, steps, names, user, territory, moment):
	"""One opportunity's steps at one moment: its form's edits saved once, then what follows from it."""
	if steps[0].action == plan.CREATE:
		names[opportunity.number] = create(site, company, opportunity, user, territory, moment)
	name = names.get(opportunity.number)
	if not name:
		return
	doc = frappe.get_doc("Opportunity", name)
	if doc.status not in OPEN_STATUSES:
		return  # closed meanwhile (the auto-close): the story of this one is over
	edits = [step for step in steps if step.action in EDITS]
	for step in edits:
		edit(doc, step, user, moment)
	if edits:
		doc.save()
	for step in steps:
		if step.action == plan.QUOTE:
			quote(site, name, moment)
		elif step.action == plan.WIN:
			win(site, name, moment)
		elif step.action == plan.LOSE:
			lose(site, name, step.values["reasons"], step.values["competitors"])


def create(site, company, opportunity, user, territory, moment) -> str:
	kind, index = opportunity.party
	doc = frappe.get_doc(
		{
			"doctype": "Opportunity",
			"opportunity_from": kind,
			"party_name": (site.customers if kind == "Customer" else site.leads)[index],
			"company": company,
			opportunity_field("source"): opportunity.source,
			"opportunity_type": opportunity.opportunity_type,
			"sales_stage": plan.STAGES[0],
			"territory": territory,
			"opportunity_owner": user,
			"expected_closing": getdate(add_days(moment, 60)),
			"items": [
				{"item_code": item, "qty": qty, "rate": plan.ITEMS[item], "uom": "Nos"}
				for item, qty in opportunity.items
			],
		}
	)
	doc.opportunity_amount = items_total(doc)
	doc.insert()
	return site.keep("Opportunity", doc.name)


def items_total(doc) -> float:
	"""ERPNext totals an opportunity's items apart (total); its amount is what the pipeline counts."""
	return sum(row.qty * row.rate for row in doc.items)


def edit(doc, step, user, moment):
	if step.action == plan.FOLLOW_UP:
		doc.contact_by = user
		doc.contact_date = datetime.combine(getdate(add_days(moment, step.values["in_days"])), time(10, 0))
	elif step.action == plan.STAGE:
		doc.sales_stage = plan.STAGES[step.values["stage"]]
		# A sales person keeps the expected closing ahead of a moving opportunity: later stages, sooner.
		if not doc.expected_closing or getdate(doc.expected_closing) < getdate(add_days(moment, 7)):
			doc.expected_closing = getdate(
				add_days(moment, 20 + 10 * (len(plan.STAGES) - step.values["stage"]))
			)
	elif step.action == plan.AMOUNT:
		doc.items[0].rate = round(doc.items[0].rate * step.values["factor"], 2)
		doc.opportunity_amount = items_total(doc)


def quote(site, name, moment):
	from opportunity_pipeline.api import make_quotation

	quotation = make_quotation(name)
	quotation.valid_till = getdate(add_days(moment, 30))
	quotation.insert()
	site.quotations[name] = site.keep("Quotation", quotation.name)
	quotation.submit()


def win(site, name, moment):
	from erpnext.selling.doctype.quotation.quotation import make_sales_order

	order = make_sales_order(site.quotations[name])
	# Booked to the opportunity's owner, as their sales team row (the Forecast Grid's attainment).
	owner = frappe.db.get_value("Opportunity", name, "opportunity_owner")
	order.set("sales_team", [{"sales_person": site.sales_people[owner], "allocated_percentage": 100}])
	order.delivery_date = getdate(add_days(moment, 21))
	order.payment_schedule = []  # the quotation's dates: ERPNext computes the order's own
	for row in order.items:
		row.delivery_date = order.delivery_date
	order.insert()
	site.keep("Sales Order", order.name)
	order.submit()


def lose(site, name, reasons, competitors):
	if name in site.quotations:
		quotation = frappe.get_doc("Quotation", site.quotations[name])
		quotation.declare_enquiry_lost(
			[{"lost_reason": reason} for reason in reasons],
			[{"competitor": competitor} for competitor in competitors],
		)
	else:
		from opportunity_pipeline.api import declare_lost

		declare_lost(name, reasons, competitors)


def finish(company: str):
	"""What the nightly jobs would have done by today: the learned probability, the Stalled flags, the
	losses summary."""
	from opportunity_pipeline.lost.summary import refresh_stale_months
	from opportunity_pipeline.pipeline_health.stalled import refresh_daily
	from opportunity_pipeline.win_probability.job import learn_all

	learn_all(company)
	refresh_daily()
	refresh_stale_months()
	commit()


def forecast_this_quarter(site: DemoSite, company: str):
	"""Each sales person's Sales Forecast for the quarter of today, submitted as they would leave it: the
	pipeline's figures (what has closed, Commit, Best Case), for the Forecast Grid's calls."""
	from erpnext.accounts.report.financial_statements import get_period_list
	from erpnext.accounts.utils import get_fiscal_year

	year = get_fiscal_year(now_datetime(), company=company)[0]
	periods = get_period_list(year, year, "", "", "Fiscal Year", "Quarterly", company=company)
	quarter = next(p for p in periods if getdate(p.from_date) <= getdate() <= getdate(p.to_date))
	for email, person in site.sales_people.items():
		frappe.set_user(email)
		try:
			forecast = frappe.get_doc(
				{
					"doctype": "Sales Forecast",
					"sales_person": person,
					"company": company,
					"fiscal_year": year,
					"periodicity": "Quarterly",
					"from_date": quarter.from_date,
				}
			).insert()
			forecast.submit()
		finally:
			frappe.set_user("Administrator")
		site.keep("Sales Forecast", forecast.name)
	commit()


# -- Removal -------------------------------------------------------------------------------------------


def remove_demo() -> int:
	"""Delete everything the demo made (and what the app and ERPNext made for it: history, follow-up
	events, versions, assignments, losses summary, learned factors), and put back the settings it
	changed. Returns how many of its records were deleted."""
	manifest = frappe.db.get_default(MANIFEST)
	if not manifest:
		frappe.throw(_("This site holds no demo pipeline."))
	manifest = json.loads(manifest)
	made = [tuple(row) for row in manifest["made"]]
	frappe.flags.mute_emails = True
	by_doctype = {}
	for doctype, name in made:
		by_doctype.setdefault(doctype, []).append(name)
	opportunities = by_doctype.get("Opportunity", [])
	for doctype in ("Sales Forecast", "Sales Order", "Quotation"):
		for name in reversed(by_doctype.get(doctype, [])):
			if frappe.db.get_value(doctype, name, "docstatus") == 1:
				frappe.get_doc(doctype, name).cancel()
			frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
	for name in opportunities:
		frappe.delete_doc("Opportunity", name, force=True, ignore_permissions=True)
	_delete_traces(opportunities, by_doctype)
	for doctype, name in reversed(made):
		if doctype not in ("Sales Forecast", "Sales Order", "Quotation", "Opportunity") and frappe.db.exists(
			doctype, name
		):
			frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
	for key, value in manifest["settings"].items():
		doctype, field = key.split(":", 1)
		if doctype == "Selling Settings":
			frappe.db.set_single_value("Selling Settings", field, value)
		elif frappe.db.exists("Sales Stage", field):
			frappe.db.set_value("Sales Stage", field, "stalled_after_days", value)
	frappe.db.set_default(MANIFEST, None)
	frappe.db.delete("DefaultValue", {"defkey": MANIFEST})
	commit()
	return len(made)


def _delete_traces(opportunities: list, by_doctype: dict):
	from opportunity_pipeline.lost.summary import SUMMARY
	from opportunity_pipeline.pipeline_history.record import STATE
	from opportunity_pipeline.win_probability.learn import WIN_FACTOR

	names = opportunities + by_doctype.get("Quotation", []) + by_doctype.get("Sales Order", [])
	if not names:
		return
	frappe.db.delete(STATE, {"document_type": "Opportunity", "opportunity": ("in", opportunities)})
	for doctype, reference in (
		("Version", "docname"),
		("Comment", "reference_name"),
		("ToDo", "reference_name"),
		("Notification Log", "document_name"),
		("Deleted Document", "deleted_name"),
		("Activity Log", "reference_name"),
	):
		frappe.db.delete(doctype, {reference: ("in", names)})
	frappe.db.delete(WIN_FACTOR)
	frappe.db.delete(SUMMARY)
	users = by_doctype.get("User", [])
	if users:
		frappe.db.delete("Event", {"owner": ("in", users)})
