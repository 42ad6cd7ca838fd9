"""Pipeline health on 1,000,000 opportunities (200,000 open) and their history.

Claims (issue #16), each judged at its slowest round (the first one cold, after evicting InnoDB's buffer
pool, which is MariaDB's default 128 MB):
- the daily health job (the Stalled refresh, then a digest for each of 200 users: its Notification Log,
  and its e-mail handed to background jobs) takes under 10 s;
- it takes at most 2x as long on the full table as on a tenth of it, with the same items due;
- Follow-up Discipline over the last 30 days answers in under 1 s (by owner, by Next Contact By), for a
  user whom nothing restricts; a territory-restricted Sales User is measured beside it, not claimed.
Beside them, in the same run: the background jobs that render and queue the e-mails (Frappe's template
and CSS inlining, run here one after the other), the stock way to the same lists (each user's Opportunity
list filtered to their follow-ups due or missing, through frappe.get_list as that user; one cold round,
as it takes minutes on the full table), a bare SQL read of every item the digests list; for the report, a
territory-restricted Sales User, a bare count of the period's follow-ups, the lookup per follow-up the
report made before the history derived ends_follow_up, and ERPNext's nearest report (Sales Pipeline
Analytics, its query).

The data: every fifth opportunity is open. 200 users each own 14 items that need them: 3 follow-ups due
today, 5 overdue, 3 stalled (40 days in a stage that stalls after 30), 3 without a next step for 20 days;
all of them within the first tenth. Every other open opportunity had a follow-up come due 8 to 26 days
ago, done on time, 2 days late or 6 days late, and has its next one planned; the closed ones had one
follow-up, done when they closed. Rows are written in bulk by SQL (history included, with its derived
fields as the app writes them).

Where the site has Frappe CRM, the job is timed again at each size once the same pipeline is also there
as Frappe CRM's deals (`deals_from`: each opportunity a deal, its stage a CRM Deal Status of an open type
with the same Stalled After, its current stay the open row of its status change log; the users read
the benchmark's CRM Territory as they do its Territory): one digest per user then lists both. The same
two claims hold on that job.

Run it on a throwaway site (it commits rows and deletes them at the end):

	cd ~/frappe-bench && env/bin/python apps/opportunity_pipeline/benchmarks/pipeline_health.py --site bench.localhost
"""

import sys
import time
from datetime import datetime, timedelta

from pipeline_history import erpnext_pipeline_query

import frappe
from frappe.utils import add_days, now_datetime, today

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.document_types import open_statuses, ordered_stages, status_log_clock_offset
from opportunity_pipeline.opportunity_pipeline.report.follow_up_discipline.follow_up_discipline import (
	execute as follow_up_discipline,
)
from opportunity_pipeline.pipeline_document import CRM_DEAL
from opportunity_pipeline.pipeline_health.digest import EMAIL_BATCH, SENT_ON, daily_health, send_digest_emails
from opportunity_pipeline.pipeline_history.record import STATE
from opportunity_pipeline.pipeline_history.rules import LONGEST_SPAN, SPAN_DAYS
from opportunity_pipeline.statuses import OPEN_STATUSES
from opportunity_pipeline.tests.factories import make_customer, make_stage, make_territory

import common

PREFIX = "BENCH-HL-"
CUSTOMER = "BENCH-HL Benchmark Customer"
TERRITORY = "BENCH-HL Territory"
EARLY_STAGE = "BENCH-HL Qualification"
STALLING_STAGE = "BENCH-HL Negotiation"
STALLED_AFTER_DAYS = 30
USERS = 200
# Per user, in this order: due today, overdue, stalled, without a next step.
ITEMS = (3, 5, 3, 3)
ITEMS_PER_USER = sum(ITEMS)
TABLE = f"tab{STATE}"
CHUNK = 100_000

JOB = "daily job: Stalled refresh + digests (app)"
EMAILS = "  its e-mails, rendered by Frappe (background jobs)"
STOCK = "stock: each user's lists (frappe.get_list as them)"
BARE = "bare SQL: every item"
JOB_LIMIT = 10.0
GROWTH_LIMIT = 2.0
REPORT_LIMIT = 1.0


def parse_args():
	parser = common.argument_parser(__doc__.splitlines()[0])
	parser.add_argument("--opportunities", type=int, default=1_000_000)
	parser.add_argument("--rounds", type=int, default=3)
	parser.add_argument("--keep", action="store_true", help="keep the rows and users at the end")
	return parser.parse_args()


# -- Data ------------------------------------------------------------------------------------------------


def user(number) -> str:
	return f"bench-hl-{number:03d}@example.com"


def make_users():
	"""200 Sales Users; every other one may read only the benchmark's territory (a User Permission), so
	its digest is narrowed by a query of its own."""
	frappe.local.conf.throttle_user_limit = USERS + 60  # Frappe allows 60 new users a minute by default
	for number in range(USERS):
		email = user(number)
		if not frappe.db.exists("User", email):
			frappe.get_doc(
				{
					"doctype": "User",
					"email": email,
					"first_name": f"Bench {number}",
					"send_welcome_email": 0,
					"roles": [{"role": "Sales User"}],
				}
			).insert(ignore_permissions=True)
		if number % 2 and not frappe.db.exists("User Permission", {"user": email}):
			frappe.get_doc(
				{"doctype": "User Permission", "user": email, "allow": "Territory", "for_value": TERRITORY}
			).insert(ignore_permissions=True)
	frappe.db.commit()


def delete_users():
	for number in range(USERS):
		frappe.db.delete("User Permission", {"user": user(number)})
		frappe.delete_doc_if_exists("User", user(number), force=True)
	frappe.db.commit()


def users_case(number_sql: str) -> str:
	"""The user of `number_sql` (0 .. USERS - 1) as SQL."""
	return f"concat('bench-hl-', lpad({number_sql}, 3, '0'), '@example.com')"


def seed(first: int, last: int, company: str, now: datetime):
	"""Opportunities first .. last and their history, by INSERT ... SELECT over MariaDB's sequence
	tables, committed per chunk. k is the opportunity's number; j = k / 5 numbers the open ones."""
	currency = frappe.get_cached_value("Company", company, "default_currency")
	due_items = USERS * ITEMS_PER_USER
	bounds = [USERS * sum(ITEMS[: i + 1]) for i in range(len(ITEMS))]  # cumulative, in j
	today_start = datetime.combine(now.date(), datetime.min.time())
	params = {
		"now": now,
		"today": today_start,
		"company": company,
		"currency": currency,
		"customer": CUSTOMER,
		"territory": TERRITORY,
		"early": EARLY_STAGE,
		"stalling": STALLING_STAGE,
	}
	is_open = "k %% 5 = 0"
	j = "(k div 5)"
	category = (
		f"case when {j} <= {bounds[0]} then 'due' when {j} <= {bounds[1]} then 'overdue' "
		f"when {j} <= {bounds[2]} then 'stalled' when {j} <= {bounds[3]} then 'bare' else 'healthy' end"
	)
	owner_of_item = users_case(f"({j} - 1) %% {USERS}")
	owner_of_other = users_case(f"(k div 5) %% {USERS}")
	# The columns each opportunity is built from, once per row in a derived table.
	base = f"""
		select k,
			case when {is_open} then ({category}) else 'closed' end as kind,
			case when {is_open} and {j} <= {due_items} then {owner_of_item} else {owner_of_other} end as person,
			case k %% 5 when 1 then 'Lost' when 2 then 'Lost' when 3 then 'Converted' when 4 then 'Closed'
				else 'Open' end as status,
			(k %% 7) as lateness, (k %% 19) as done_days_ago, (k %% 60) as next_in
		from (select seq as k from seq_{{start}}_to_{{end}}) numbers"""
	created = """case kind when 'due' then %(now)s - interval 10 day when 'overdue' then %(now)s - interval 10 day
		when 'stalled' then %(now)s - interval 40 day when 'bare' then %(now)s - interval 20 day
		when 'healthy' then %(now)s - interval (30 + k %% 300) day
		else %(now)s - interval (40 + k %% 1060) day end"""
	# The follow-up done in the last three weeks (healthy) or when it closed: its date and when done.
	past_due = "%(today)s - interval (8 + done_days_ago) day + interval 10 hour"
	done_at = (
		f"({past_due} + interval case when lateness <= 3 then 5 when lateness <= 5 then 53 else 149 end hour)"
	)
	contact_date = """case kind
		when 'due' then %(today)s + interval (8 + k %% 3) hour
		when 'overdue' then %(today)s - interval (1 + k %% 5) day + interval 10 hour
		when 'stalled' then %(today)s + interval 5 day + interval 10 hour
		when 'bare' then null
		when 'healthy' then %(today)s + interval (1 + next_in) day + interval 10 hour
		else created + interval 14 day + interval 10 hour end"""
	opportunity_sql = f"""
		insert into `tabOpportunity` (name, naming_series, opportunity_from, party_name, customer_name,
			company, currency, conversion_rate, transaction_date, creation, modified, owner, modified_by,
			status, sales_stage, probability, opportunity_amount, expected_closing, opportunity_owner,
			contact_by, contact_date, territory, is_stalled)
		select concat('{PREFIX}', lpad(k, 7, '0')), 'CRM-OPP-.YYYY.-', 'Customer', %(customer)s,
			%(customer)s, %(company)s, %(currency)s, 1, date(created), created, created,
			'Administrator', 'Administrator', status,
			case when kind = 'healthy' or kind = 'stalled' or kind = 'closed' then %(stalling)s
				else %(early)s end,
			40, 1000 + (k %% 50) * 100, date(created + interval 60 day), person, person,
			({contact_date}), %(territory)s, kind = 'stalled'
		from (select b.*, {created} as created from ({base}) b) r"""
	span = " ".join(
		f"when valid_from >= valid_to - interval {days} day then {number}"
		for number, days in enumerate(SPAN_DAYS, start=1)
	)
	# One row for the items (current), two for the others: before and after their follow-up was done.
	state_columns = """name, creation, modified, owner, modified_by, opportunity, company, valid_from,
		valid_to, origin, changed_by, deleted, status, sales_stage, amount, probability, expected_closing,
		opportunity_owner, contact_by, contact_date, territory, stage_since, left_stage, stage_days,
		contact_since, ends_follow_up, span_class"""
	rows = f"""select b.*, {created} as created from ({base}) b"""
	first_rows = f"""
		select o.name as opportunity, o.creation as valid_from,
			case when r.kind = 'healthy' then {done_at.replace("done_days_ago", "r.done_days_ago").replace("lateness", "r.lateness")}
				when r.kind = 'closed' then o.creation + interval 30 day end as valid_to,
			case when r.kind = 'closed' then 'Open' else o.status end as status,
			case when r.kind = 'healthy' then %(early)s else o.sales_stage end as sales_stage,
			o.opportunity_amount as amount, o.probability, o.expected_closing, o.opportunity_owner,
			o.contact_by,
			case when r.kind = 'healthy' then {past_due.replace("done_days_ago", "r.done_days_ago")}
				else o.contact_date end as contact_date,
			o.creation as stage_since, null as left_stage, 0 as stage_days,
			case when o.contact_date is null then null else o.creation end as contact_since,
			r.kind in ('healthy', 'closed') as ends_follow_up
		from ({rows}) r join `tabOpportunity` o on o.name = concat('{PREFIX}', lpad(r.k, 7, '0'))"""
	second_rows = """
		select o.name as opportunity, f.valid_to as valid_from, null as valid_to, o.status,
			o.sales_stage, o.opportunity_amount as amount, o.probability, o.expected_closing,
			o.opportunity_owner, o.contact_by, o.contact_date,
			case when o.status = 'Open' then f.valid_to else f.stage_since end as stage_since,
			f.sales_stage as left_stage, datediff(f.valid_to, f.stage_since) as stage_days,
			case when o.status = 'Open' then f.valid_to end as contact_since, 0 as ends_follow_up
		from `bench_hl_first_rows` f join `tabOpportunity` o on o.name = f.opportunity
		where f.valid_to is not null"""

	def insert_state(select_sql):
		frappe.db.sql(
			f"""insert into `{TABLE}` ({state_columns})
			select nextval(`opportunity_pipeline_state_id_seq`), %(now)s, %(now)s, 'Administrator',
				'Administrator', s.opportunity, %(company)s, s.valid_from, s.valid_to, 'Recorded',
				'Administrator', 0, s.status, s.sales_stage, s.amount, s.probability, s.expected_closing,
				s.opportunity_owner, s.contact_by, s.contact_date, %(territory)s, s.stage_since,
				s.left_stage, s.stage_days, s.contact_since, s.ends_follow_up,
				case when s.valid_to is null then 0 {span} else {LONGEST_SPAN} end
			from ({select_sql}) s""",
			params,
		)

	for start in range(first, last + 1, CHUNK):
		end = min(last, start + CHUNK - 1)
		chunk = {"start": start, "end": end}
		frappe.db.sql(opportunity_sql.format(**chunk), params)
		frappe.db.sql_ddl("drop temporary table if exists `bench_hl_first_rows`")
		frappe.db.sql(f"create temporary table `bench_hl_first_rows` as {first_rows.format(**chunk)}", params)
		insert_state("select * from `bench_hl_first_rows`")
		insert_state(second_rows)
		frappe.db.commit()


DEAL_PREFIX = "BENCH-HLD-"


# The Stalled After of the CRM Deal Statuses the benchmark sets, as they were (clean_deals puts them back).
STALLED_AFTER_BEFORE = {}


def deal_statuses() -> dict:
	"""The CRM Deal Status each stage becomes: the first two open ones; the second stalls as the stage."""
	opened = [status for status in ordered_stages(CRM_DEAL) if status in open_statuses(CRM_DEAL)]
	statuses = {EARLY_STAGE: opened[0], STALLING_STAGE: opened[1]}
	for status, days in ((opened[0], 0), (opened[1], STALLED_AFTER_DAYS)):
		STALLED_AFTER_BEFORE.setdefault(
			status, frappe.db.get_value("CRM Deal Status", status, "stalled_after_days")
		)
		frappe.db.set_value("CRM Deal Status", status, "stalled_after_days", days)
	return statuses


def prepare_deals():
	"""The users read the benchmark's CRM Territory as they read its Territory."""
	if not frappe.db.exists("CRM Territory", TERRITORY):
		frappe.get_doc({"doctype": "CRM Territory", "territory_name": TERRITORY}).insert()
	for number in range(1, USERS, 2):
		email = user(number)
		if not frappe.db.exists("User Permission", {"user": email, "allow": "CRM Territory"}):
			frappe.get_doc(
				{
					"doctype": "User Permission",
					"user": email,
					"allow": "CRM Territory",
					"for_value": TERRITORY,
				}
			).insert(ignore_permissions=True)
	frappe.db.commit()


def deals_from(first: int, last: int):
	"""The opportunities first .. last as Frappe CRM deals (see the docstring), committed per chunk."""
	statuses = deal_statuses()
	escape = frappe.db.escape
	stage = "case o.sales_stage " + " ".join(
		f"when {escape(key)} then {escape(value)}" for key, value in statuses.items()
	)
	won = frappe.get_all("CRM Deal Status", {"type": "Won"}, pluck="name", limit=1)[0]
	lost = frappe.get_all("CRM Deal Status", {"type": "Lost"}, pluck="name", limit=1)[0]
	status = f"case o.status when 'Converted' then {escape(won)} when 'Open' then ({stage} end) else {escape(lost)} end"
	minutes = int(status_log_clock_offset().total_seconds() // 60)
	for start in range(first, last + 1, CHUNK):
		names = {"first": f"{PREFIX}{start:07d}", "last": f"{PREFIX}{min(last, start + CHUNK - 1):07d}"}
		frappe.db.sql(
			f"""insert into `tabCRM Deal` (name, status, deal_owner, contact_by, contact_date, territory,
				is_stalled, expected_closure_date, deal_value, exchange_rate, probability, creation, modified,
				owner, modified_by)
			select concat('{DEAL_PREFIX}', substr(o.name, {len(PREFIX) + 1})), {status}, o.opportunity_owner,
				o.contact_by, o.contact_date, o.territory, o.is_stalled, o.expected_closing,
				o.opportunity_amount, 1, o.probability, o.creation, o.modified, 'Administrator', 'Administrator'
			from `tabOpportunity` o where o.name between %(first)s and %(last)s""",
			names,
		)
		frappe.db.sql(
			f"""insert into `tabCRM Status Change Log` (name, parent, parenttype, parentfield, idx, `from`,
				from_type, from_date)
			select concat(d.name, '-log'), d.name, 'CRM Deal', 'status_change_log', 1, d.status, t.type,
				s.stage_since - interval {minutes} minute
			from `tabOpportunity` o
				join `tabCRM Deal` d on d.name = concat('{DEAL_PREFIX}', substr(o.name, {len(PREFIX) + 1}))
				join `tabCRM Deal Status` t on t.name = d.status
				join `{TABLE}` s on s.opportunity = o.name and s.document_type = 'Opportunity'
					and s.valid_to is null
			where o.name between %(first)s and %(last)s and o.status = 'Open'""",
			names,
		)
		frappe.db.commit()


def clean_deals():
	if frappe_crm.installed():
		common.delete_deals(DEAL_PREFIX)
		users = [user(number) for number in range(USERS)]
		frappe.db.delete("User Permission", {"user": ("in", users), "allow": "CRM Territory"})
		for status, days in STALLED_AFTER_BEFORE.items():
			frappe.db.set_value("CRM Deal Status", status, "stalled_after_days", days)
		frappe.db.commit()


def clean():
	frappe.db.sql_ddl(f"truncate table `{TABLE}`")  # a throwaway site: only the benchmark's rows
	frappe.db.sql("delete from `tabOpportunity` where name like %s", f"{PREFIX}%")
	clean_deals()
	reset_digests()
	frappe.db.commit()


def reset_digests():
	"""Forget the digests sent, so the next run sends them again (not timed)."""
	users = [user(number) for number in range(USERS)]
	frappe.db.delete("Notification Log", {"for_user": ("in", users), "document_type": "Opportunity"})
	frappe.db.delete("DefaultValue", {"parent": ("in", users), "defkey": SENT_ON})
	queue = frappe.get_all("Email Queue Recipient", filters={"recipient": ("in", users)}, pluck="parent")
	frappe.db.delete("Email Queue Recipient", {"parent": ("in", queue)})
	frappe.db.delete("Email Queue", {"name": ("in", queue)})
	frappe.db.commit()
	frappe.cache.delete_value("defaults")


# -- Measures --------------------------------------------------------------------------------------------


def timed_job(rounds: int) -> tuple[list[float], list[float]]:
	"""The daily job per round, the first cold, then the background jobs that render its e-mails, run
	here one after the other; the digests are forgotten between rounds. Returns both lists of seconds."""
	job, emails = [], []
	for number in range(rounds):
		reset_digests()
		if number == 0:
			common.evict_buffer_pool()
		start = time.perf_counter()
		queued = daily_health()
		frappe.db.commit()
		job.append(time.perf_counter() - start)
		start = time.perf_counter()
		for first in range(0, len(queued), EMAIL_BATCH):
			send_digest_emails(queued[first : first + EMAIL_BATCH])
			frappe.db.commit()
		emails.append(time.perf_counter() - start)
	return job, emails


def digests_sent() -> int:
	return frappe.db.count(
		"Notification Log",
		{"for_user": ("in", [user(n) for n in range(USERS)]), "document_type": "Opportunity"},
	)


def stock_lists():
	"""What stock Frappe gives the same users: their list of open opportunities with a follow-up due
	(today or before) and of those with none, through frappe.get_list as each user (nothing is sent)."""
	tomorrow = add_days(today(), 1)
	for number in range(USERS):
		email = user(number)
		frappe.set_user(email)
		mine = {"opportunity_owner": email, "contact_by": email}
		for condition in (("<", tomorrow), ("is", "not set")):
			frappe.get_list(
				"Opportunity",
				filters={"status": ("in", OPEN_STATUSES), "contact_date": condition},
				or_filters=mine,
				fields=["name"],
				limit_page_length=0,
			)
	frappe.set_user("Administrator")


def bare_items():
	"""Every item the digests list, read in bare SQL (no permissions, nothing sent)."""
	now = now_datetime()
	tomorrow = datetime.combine(now.date() + timedelta(days=1), datetime.min.time())
	return frappe.db.sql(
		"""select name, opportunity_owner, contact_by from `tabOpportunity`
		where status in ('Open', 'Replied', 'Quotation') and contact_date < %(tomorrow)s
		union all select name, opportunity_owner, contact_by from `tabOpportunity`
		where is_stalled = 1 and status in ('Open', 'Replied', 'Quotation')
		union all select name, opportunity_owner, contact_by from `tabOpportunity`
		where status in ('Open', 'Replied', 'Quotation') and contact_date is null
			and creation < %(grace)s""",
		{"tomorrow": tomorrow, "grace": now - timedelta(days=7)},
	)


def bare_deal_items():
	"""Every deal item the digests list, read in bare SQL."""
	now = now_datetime()
	tomorrow = datetime.combine(now.date() + timedelta(days=1), datetime.min.time())
	params = {"open": open_statuses(CRM_DEAL), "tomorrow": tomorrow, "grace": now - timedelta(days=7)}
	return frappe.db.sql(
		"""select name from `tabCRM Deal` where status in %(open)s and contact_date < %(tomorrow)s
		union all select name from `tabCRM Deal` where is_stalled = 1 and status in %(open)s
		union all select name from `tabCRM Deal` where status in %(open)s and contact_date is null
			and creation < %(grace)s""",
		params,
	)


def earlier_lookup(company):
	"""The follow-ups of the last 30 days with, for each, a lookup of the change that did it: how the
	report counted before rows derived ends_follow_up (its query, not its Python)."""
	start = datetime.combine(datetime.now().date() - timedelta(days=30), datetime.min.time())
	return frappe.db.sql(
		f"""select s.opportunity_owner, s.contact_date, (
			select min(l.valid_from) from `{TABLE}` l where l.opportunity = s.opportunity
			and l.deleted = s.deleted and l.valid_from > s.contact_date
			and (not (l.contact_date <=> s.contact_date) or l.status not in ('Open', 'Replied', 'Quotation'))
		) from `{TABLE}` s where s.company = %s and s.contact_date >= %s and s.contact_date < %s
		and s.valid_from <= s.contact_date and (s.valid_to is null or s.valid_to > s.contact_date)
		and s.status in ('Open', 'Replied', 'Quotation')""",
		(company, start, now_datetime()),
	)


def bare_follow_up_count(company):
	"""The period's follow-ups counted per owner in bare SQL, without telling on time, late or missed."""
	start = datetime.combine(datetime.now().date() - timedelta(days=30), datetime.min.time())
	return frappe.db.sql(
		f"""select opportunity_owner, count(*) from `{TABLE}`
		where company = %s and contact_date >= %s and contact_date < %s and deleted = 0
		and (ends_follow_up = 1 or (valid_to is null and status in ('Open', 'Replied', 'Quotation')))
		group by opportunity_owner""",
		(company, start, now_datetime()),
	)


def report_measures(company, restricted) -> dict:
	month = {"company": company, "from_date": add_days(today(), -30), "to_date": today()}
	return {
		"Follow-up Discipline, 30 days by owner (app)": lambda: follow_up_discipline(frappe._dict(month)),
		"Follow-up Discipline, 30 days by Next Contact By (app)": lambda: follow_up_discipline(
			frappe._dict(month, group_by="Next Contact By")
		),
		"  the same, a territory-restricted Sales User": common.as_user(
			restricted, lambda: follow_up_discipline(frappe._dict(month))
		),
		"follow-ups counted in bare SQL, no outcome": lambda: bare_follow_up_count(company),
		"a lookup per follow-up (the report's earlier query)": lambda: earlier_lookup(company),
		"ERPNext Sales Pipeline Analytics, a year by owner (its query)": lambda: erpnext_pipeline_query(
			company
		),
	}


def job_figures(label: str, rounds: int, with_deals: bool = False) -> tuple[float, bool]:
	"""Time the job, the stock lists and the bare read at the table's current size; `with_deals`: the
	job only, with the deals there too (the stock lists and the bare read are the opportunities')."""
	opportunities = frappe.db.sql("select count(*) from `tabOpportunity` where name like %s", f"{PREFIX}%")
	deals = " and as many Frappe CRM deals" if with_deals else ""
	print(f"\n{label}: {opportunities[0][0]:,} opportunities{deals}, {USERS} users, {rounds} rounds")
	job, emails = timed_job(rounds)
	sent = digests_sent()
	queued = frappe.db.count("Email Queue Recipient", {"recipient": ("in", [user(n) for n in range(USERS)])})
	times = {JOB: job, EMAILS: emails}
	if not with_deals:
		stock = common.timed_rounds({STOCK: stock_lists}, 1)  # a minute and more per run on the full table
		references = common.timed_rounds({BARE: bare_items}, rounds)
		times |= {f"{STOCK} (1 round, cold)": stock[STOCK], **references}
	holds = common.print_rounds(times, {JOB: JOB_LIMIT})
	items = len(bare_items()) + (len(bare_deal_items()) if with_deals else 0)
	print(f"  digests sent per round: {sent}; e-mails queued in the last: {queued}; items listed: {items:,}")
	if with_deals:
		listing = frappe.db.count(
			"Notification Log",
			{
				"for_user": ("in", [user(n) for n in range(USERS)]),
				"email_content": ("like", f"%{DEAL_PREFIX}%"),
			},
		)
		print(f"  digests that list deals: {listing}")
		sent = min(sent, listing)
	slowest = max(job)
	if not with_deals:
		print(
			f"  job / stock lists {slowest / max(stock[STOCK]):.2f}x; job / bare SQL {slowest / max(references[BARE]):.0f}x; "
			f"job and its e-mails at their slowest: {slowest + max(emails):.1f} s"
		)
	return slowest, holds and sent == USERS


def growth_holds(growth: float, what: str = "") -> bool:
	holds = growth <= GROWTH_LIMIT
	print(
		f"  full / tenth at the slowest rounds{what}: {growth:.2f}x  {'PASS' if holds else 'FAIL'} "
		f"(<= {GROWTH_LIMIT:.0f}x)"
	)
	return holds


def main():
	args = parse_args()
	common.connect(args.site, args.sites_path)
	company = frappe.defaults.get_global_default("company") or frappe.get_all("Company", pluck="name")[0]
	make_customer(CUSTOMER)
	make_territory(TERRITORY)
	make_stage(EARLY_STAGE, 20)
	make_stage(STALLING_STAGE, 40)
	frappe.db.set_value("Sales Stage", STALLING_STAGE, "stalled_after_days", STALLED_AFTER_DAYS)
	frappe.db.set_single_value("Selling Settings", "pipeline_digest_enabled", 1)
	# An outgoing account from the site config, as a site that sends e-mail has: the digests' e-mails are
	# queued (Email Queue), as in production; nothing leaves the machine (no worker sends them).
	frappe.local.conf.mail_server = "localhost"
	frappe.db.set_single_value("Selling Settings", "no_next_step_after_days", 7)
	make_users()
	frappe.db.commit()
	ok = True

	clean()
	now = now_datetime()
	tenth = args.opportunities // 10
	start = time.perf_counter()
	seed(1, tenth, company, now)
	print(f"seeded {tenth:,} opportunities and their history in {time.perf_counter() - start:.0f} s")
	small, holds = job_figures("A tenth of the table", args.rounds)
	ok &= holds
	with_deals = frappe_crm.installed()
	if with_deals:
		prepare_deals()
		deals_from(1, tenth)
		small_both, holds = job_figures("A tenth of the table", args.rounds, with_deals=True)
		ok &= holds

	start = time.perf_counter()
	seed(tenth + 1, args.opportunities, company, now)
	rows = frappe.db.sql(f"select count(*) from `{TABLE}` where opportunity like %s", f"{PREFIX}%")[0][0]
	print(
		f"\nseeded {args.opportunities - tenth:,} more opportunities (none due) in "
		f"{time.perf_counter() - start:.0f} s; {rows:,} history rows in all"
	)
	large, holds = job_figures("The full table", args.rounds)
	ok &= holds
	ok &= growth_holds(large / small)
	if with_deals:
		deals_from(tenth + 1, args.opportunities)
		large_both, holds = job_figures("The full table", args.rounds, with_deals=True)
		ok &= holds and growth_holds(large_both / small_both, " with the deals")
		clean_deals()  # Follow-up Discipline below reads the opportunities

	restricted = user(1)  # odd: a territory User Permission
	print(f"\nFollow-up Discipline on {rows:,} history rows, {args.rounds} rounds")
	_columns, report_rows, *_rest = follow_up_discipline(
		frappe._dict(company=company, from_date=add_days(today(), -30), to_date=today())
	)
	mine = [row for row in report_rows if str(row["group_key"] or "").startswith("bench-hl-")]
	print(
		f"  follow-ups due in the period: {sum(row['due'] for row in mine):,} "
		f"(on time {sum(row['on_time'] for row in mine):,}, late {sum(row['late'] for row in mine):,}, "
		f"missed {sum(row['missed'] for row in mine):,}); open at the end: "
		f"{sum(row['open'] for row in mine):,}"
	)
	times = common.timed_rounds(report_measures(company, restricted), args.rounds)
	limits = {name: REPORT_LIMIT for name in times if name.startswith("Follow-up Discipline")}
	ok &= common.print_rounds(times, limits)
	app = max(times["Follow-up Discipline, 30 days by owner (app)"])
	print(
		f"  report / bare count {app / max(times['follow-ups counted in bare SQL, no outcome']):.2f}x; "
		f"report / earlier lookup {app / max(times['a lookup per follow-up (the report' + chr(39) + 's earlier query)']):.2f}x; "
		f"report / ERPNext report {app / max(times['ERPNext Sales Pipeline Analytics, a year by owner (its query)']):.2f}x"
	)

	if not args.keep:
		clean()
		delete_users()
	print("\nALL CLAIMS HOLD" if ok else "\nSOME CLAIMS FAIL")
	frappe.destroy()
	sys.exit(0 if ok else 1)


if __name__ == "__main__":
	main()
