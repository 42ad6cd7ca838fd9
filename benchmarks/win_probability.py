"""The learned win probability on 1,000,000 closed and 200,000 open opportunities: speed and accuracy.

Claims (issue #14), each judged at its slowest round (the first one cold):
- learning from 1,000,000 closed opportunities takes under 30 s, and within 10x of one bare GROUP BY over
  the same rows measured in the same round;
- applying to 200,000 open opportunities takes within 5x of one bare UPDATE of the same rows;
- the app's Opportunity hooks, with the learned probability recomputed on every save, add at most 5 ms
  (median) to a save;
- on history where Referral wins four times as often as Cold Call from the first stage, the learned
  chances are within 5 points of the true ones at every stage, and in a backtest (learned from the
  opportunities closed before a cut-off, scored on those closed after) the learned Brier score beats
  the sales stages' percentages, set to the true rate of each stage;
- on history where no field carries a signal, the learned Brier score is no worse than the stages'
  (within 0.1 %).

Where the site has Frappe CRM (issue #28), the first three budgets for its deals, printed beside: learning
from --deals-closed closed deals (1,000,000), a lost one at the status it left for its lost one, read from
Frappe CRM's status change log, against one bare GROUP BY of the same deals joined to the same log rows;
applying to --deals-open open deals (200,000) against one bare UPDATE of them. --deals-only skips the
opportunities.

Run it on a throwaway site (it commits rows and deletes them at the end):

	cd ~/frappe-bench && env/bin/python apps/opportunity_pipeline/benchmarks/win_probability.py --site bench.localhost
"""

import random
import statistics
import sys
import time
from datetime import timedelta

import frappe
from frappe.utils import add_days, now_datetime, today

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.document_types import open_statuses, statuses_in
from opportunity_pipeline.forecast.stages import ordered_stages
from opportunity_pipeline.lost.queries import opportunity_field
from opportunity_pipeline.opportunity_pipeline.report.win_probability_calibration.win_probability_calibration import (
	_checked as checked_calibration_filters,
)
from opportunity_pipeline.opportunity_pipeline.report.win_probability_calibration.win_probability_calibration import (
	calibrated,
)
from opportunity_pipeline.pipeline_document import CRM_DEAL
from opportunity_pipeline.statuses import OPEN_STATUSES
from opportunity_pipeline.tests.factories import (
	make_customer,
	make_lead_source,
	make_opportunity,
	make_territory,
)
from opportunity_pipeline.win_probability.apply import apply_company
from opportunity_pipeline.win_probability.learn import (
	WIN_FACTOR,
	learn_company,
	learned_stages,
	stored_factors,
)
from opportunity_pipeline.win_probability.rules import score
from opportunity_pipeline.win_probability.settings import win_probability_settings

import common
from follow_up import app_hooks_disabled

PREFIX = "BENCH-WP-"
CUSTOMER = "BENCH-WP Benchmark Customer"
REFERRAL, COLD_CALL = "BENCH-WP Referral", "BENCH-WP Cold Call"
TERRITORIES = [f"BENCH-WP Territory {n}" for n in range(6)]
# The chance that a new opportunity is eventually won, by source.
SIGNAL = {REFERRAL: 0.4, COLD_CALL: 0.1}
NO_SIGNAL = {REFERRAL: 0.25, COLD_CALL: 0.25}
HISTORY_DAYS = 730
CUT_OFF_DAYS = 365  # the backtest learns from what closed before this many days ago
SETTINGS = {
	"win_probability_method": "Learned",
	"win_probability_use_source": 1,
	"win_probability_use_territory": 1,
	"win_probability_use_opportunity_type": 0,
	"win_probability_use_customer_group": 0,
	"win_probability_min_won": 50,
	"win_probability_min_lost": 50,
	"win_probability_min_count": 10,
}
LEARN_LIMIT, LEARN_RATIO, APPLY_RATIO, SAVE_BUDGET_MS, POINTS = 30.0, 10.0, 5.0, 5.0, 5.0


def parse_args():
	parser = common.argument_parser(__doc__.splitlines()[0])
	parser.add_argument("--closed", type=int, default=1_000_000)
	parser.add_argument("--open", type=int, default=200_000)
	parser.add_argument("--no-signal", type=int, default=300_000, help="closed rows of the no-signal run")
	parser.add_argument("--rounds", type=int, default=4, help="rounds, the first one cold (at least 3)")
	parser.add_argument("--saves", type=int, default=200, help="saves with and without the app's hooks")
	parser.add_argument("--deals-closed", type=int, default=1_000_000)
	parser.add_argument("--deals-open", type=int, default=200_000)
	parser.add_argument("--deals-only", action="store_true", help="only Frappe CRM's deals")
	return parser.parse_args()


def hazard(final_win_rate: float, stages: int) -> float:
	"""The chance of being lost at each stage that makes `final_win_rate` the chance of a new one."""
	return 1 - final_win_rate ** (1 / stages)


def true_chance(final_win_rate: float, position: int, stages: int) -> float:
	"""The chance that an opportunity which reached the stage at `position` (0: first) is won."""
	return (1 - hazard(final_win_rate, stages)) ** (stages - position)


def seed_closed(total: int, rates: dict, stages: list[str], first: int = 1):
	"""`total` closed opportunities that moved through the stages and were lost at each with the hazard of
	their source, or won after the last; closed evenly over the last two years, in six territories that
	carry no signal (independent of the source: naive Bayes assumes its fields are)."""
	randomness = random.Random(first)
	sources = list(rates)
	outcomes = []
	for i in range(total):
		source = sources[i % len(sources)]
		lost_at = None
		for position in range(len(stages)):
			if randomness.random() < hazard(rates[source], len(stages)):
				lost_at = position
				break
		outcomes.append((source, lost_at))
	now = now_datetime()
	closed_on = lambda i: now - timedelta(days=1 + (i * 7919) % HISTORY_DAYS)  # noqa: E731
	common.insert_opportunities(
		PREFIX,
		total,
		CUSTOMER,
		"Lost",
		now - timedelta(days=HISTORY_DAYS + 30),
		first=first,
		extra={
			"status": lambda i: "Converted" if outcomes[i][1] is None else "Lost",
			"sales_stage": lambda i: stages[-1] if outcomes[i][1] is None else stages[outcomes[i][1]],
			opportunity_field("source"): lambda i: outcomes[i][0],
			"territory": lambda i: TERRITORIES[(i // 2) % len(TERRITORIES)],
			"converted_on": lambda i: closed_on(i) if outcomes[i][1] is None else None,
			"lost_date": lambda i: closed_on(i) if outcomes[i][1] is not None else None,
			"modified": closed_on,
			"opportunity_amount": lambda i: 100 + i % 9000,
			"conversion_rate": lambda i: 1,
		},
	)


def seed_open(total: int, stages: list[str], first: int):
	common.insert_opportunities(
		PREFIX,
		total,
		CUSTOMER,
		"Open",
		now_datetime() - timedelta(days=20),
		first=first,
		extra={
			"status": lambda i: OPEN_STATUSES[i % len(OPEN_STATUSES)],
			"sales_stage": lambda i: stages[i % len(stages)],
			opportunity_field("source"): lambda i: (REFERRAL, COLD_CALL)[i % 2],
			"territory": lambda i: TERRITORIES[(i // 2) % len(TERRITORIES)],
			"probability": lambda i: 50,
			"probability_set_by_hand": lambda i: 0,
			"opportunity_amount": lambda i: 100 + i % 9000,
			"conversion_rate": lambda i: 1,
		},
	)


SAVED = []  # opportunities the save measure made with the factories


def clean(company: str):
	frappe.db.sql("delete from `tabOpportunity` where name like %s", f"{PREFIX}%")
	# Their pipeline history too: the next seed reuses the names, and must not continue these rows.
	frappe.db.sql(
		"delete from `tabOpportunity Pipeline State` where document_type = 'Opportunity' and opportunity like %s",
		f"{PREFIX}%",
	)
	for name in SAVED:
		frappe.delete_doc("Opportunity", name, force=True, ignore_permissions=True)
	frappe.db.delete(WIN_FACTOR, {"company": company})
	frappe.db.commit()


def set_stage_probabilities(values: dict) -> dict:
	"""Set each stage's probability; returns the ones it had."""
	before = dict(frappe.get_all("Sales Stage", fields=["name", "probability"], as_list=True))
	for stage, probability in values.items():
		frappe.db.set_value("Sales Stage", stage, "probability", probability, update_modified=False)
	frappe.db.commit()
	frappe.clear_cache(doctype="Sales Stage")
	return before


def set_settings(values: dict) -> dict:
	before = {field: frappe.db.get_single_value("Selling Settings", field) for field in values}
	for field, value in values.items():
		frappe.db.set_single_value("Selling Settings", field, value)
	frappe.db.commit()
	return before


def bare_group_by(company):
	"""The physical reference for learning: one plain GROUP BY over the same closed rows."""
	return frappe.db.sql(
		"""select status, sales_stage, count(*) from `tabOpportunity`
		where company = %s and status in ('Converted', 'Lost') group by status, sales_stage""",
		company,
	)


def bare_update(company):
	"""The physical reference for applying: one plain UPDATE of the same open rows (all of them change)."""
	frappe.db.sql(
		"""update `tabOpportunity` set probability = 50, modified = now(6)
		where company = %s and status in ('Open', 'Replied', 'Quotation') and probability_set_by_hand = 0""",
		company,
	)
	frappe.db.commit()


def timed(function) -> float:
	start = time.perf_counter()
	function()
	return time.perf_counter() - start


def speed_rounds(company: str, rounds: int) -> dict:
	"""Per round: bare GROUP BY, learn, bare UPDATE (every open row to 50), apply (every row back)."""
	times = {"learn": [], "bare GROUP BY": [], "apply": [], "bare UPDATE": []}
	for number in range(rounds):
		if number == 0:
			common.evict_buffer_pool()
		times["bare GROUP BY"].append(timed(lambda: bare_group_by(company)))
		times["learn"].append(timed(lambda: (learn_company(company), frappe.db.commit())))
		times["bare UPDATE"].append(timed(lambda: bare_update(company)))
		start = time.perf_counter()
		changed = apply_company(company)
		frappe.db.commit()
		times["apply"].append(time.perf_counter() - start)
		if not changed:
			sys.exit("apply changed no row: is the company's history under the minimum?")
	return times


def save_overhead(saves: int, stage: str) -> tuple[float, float]:
	"""Median save time (ms) with and without the app's Opportunity hooks, in alternating blocks, over
	twenty opportunities saved in turn; every save changes the source, so the learned chance is
	recomputed each time."""
	names = [
		make_opportunity(
			party_name=CUSTOMER, sales_stage=stage, source=REFERRAL, territory=TERRITORIES[0]
		).name
		for _ in range(20)
	]
	frappe.db.commit()
	SAVED.extend(names)
	with_hooks, without = [], []
	count = 0
	for block in range(saves // 10):
		for _ in range(10):
			count += 1
			doc = frappe.get_doc("Opportunity", names[count % len(names)])
			doc.set(opportunity_field("source"), (REFERRAL, COLD_CALL)[count % 2])
			if block % 2:
				with app_hooks_disabled():
					without.append(timed(doc.save))
			else:
				with_hooks.append(timed(doc.save))
			frappe.db.commit()
	return statistics.median(with_hooks) * 1000, statistics.median(without) * 1000


def accuracy(company: str, stages: list[str], rates: dict) -> float:
	"""The largest gap, in points, between a learned chance and the true one, over stages and sources."""
	settings = win_probability_settings()
	factors = stored_factors(company)
	worst = 0.0
	for position, stage in enumerate(stages):
		for source, rate in rates.items():
			learned = score(factors, stage, {"source": source, "territory": TERRITORIES[0]}, settings.fields)
			worst = max(worst, abs(learned.probability - 100 * true_chance(rate, position, len(stages))))
	return worst


def backtest(company: str) -> tuple[float, float, float]:
	"""(learned Brier, stage Brier, seconds) of the calibration report's backtest: what the report computes
	(`calibrated`), which on a site this large its request hands to a background job."""
	start = time.perf_counter()
	filters = {
		"company": company,
		"from_date": add_days(today(), -CUT_OFF_DAYS),
		"to_date": today(),
		"backtest": 1,
	}
	*_rest, summary = calibrated(checked_calibration_filters(frappe._dict(filters)))
	seconds = time.perf_counter() - start
	values = {item["label"]: item["value"] for item in summary}
	return values["Brier Score, Learned"], values["Brier Score, Sales Stage"], seconds


def pooled_stage_rates(rates: dict, stages: list[str]) -> dict:
	"""Each stage's true win rate over both sources, as a manager who measured it would set it."""
	# Of each source's opportunities, (1 - hazard)^position reach the stage and `rate` are won in the end.
	return {
		stage: round(
			100
			* sum(rates.values())
			/ sum((1 - hazard(rate, len(stages))) ** position for rate in rates.values()),
			1,
		)
		for position, stage in enumerate(stages)
	}


DEAL_PREFIX = "BENCH-WPD-"


def seed_deals(closed: int, opened: int) -> tuple[list, str, str]:
	"""Closed deals that moved through the open statuses and were lost at each with their source's hazard
	(SIGNAL) or won after the last, each with the two rows of its status change log Frappe CRM writes (the
	stay it left, the final one); then open deals at every status with the open row of their log."""
	stages = learned_stages(CRM_DEAL)
	won = statuses_in(CRM_DEAL, CRM_DEAL.status_groups.won)[0]
	lost = statuses_in(CRM_DEAL, CRM_DEAL.status_groups.lost)[0]
	randomness, sources, now = random.Random(7), list(SIGNAL), now_datetime()
	deals, logs = [], []
	for i in range(1, closed + opened + 1):
		name, source = f"{DEAL_PREFIX}{i:08d}", sources[i % 2]
		stamp = now - timedelta(days=1 + (i * 7919) % HISTORY_DAYS)
		if i <= closed:
			lost_at = next(
				(p for p in range(len(stages)) if randomness.random() < hazard(SIGNAL[source], len(stages))),
				None,
			)
			status = won if lost_at is None else lost
			left = stages[-1] if lost_at is None else stages[lost_at]
			kind = "Won" if lost_at is None else "Lost"
			logs.append(
				(f"{name}-1", name, 1, left, "Ongoing", status, kind, stamp - timedelta(days=9), stamp)
			)
			logs.append((f"{name}-2", name, 2, status, kind, None, None, stamp, None))
			probability = 0
		else:
			status, probability = stages[i % len(stages)], 50
			logs.append((f"{name}-1", name, 1, status, "Ongoing", None, None, stamp, None))
		deals.append((name, status, source, 100 + i % 9000, 1, probability, 0, stamp, stamp, "Administrator"))
		if len(deals) == 50_000:
			_insert_deals(deals, logs)
			deals, logs = [], []
	_insert_deals(deals, logs)
	return stages, won, lost


def _insert_deals(deals, logs):
	frappe.db.bulk_insert(
		"CRM Deal",
		[
			"name",
			"status",
			"source",
			"deal_value",
			"exchange_rate",
			"probability",
			"probability_set_by_hand",
			"creation",
			"modified",
			"owner",
		],
		deals,
	)
	frappe.db.bulk_insert(
		"CRM Status Change Log",
		[
			"name",
			"parent",
			"parenttype",
			"parentfield",
			"idx",
			"from",
			"from_type",
			"to",
			"to_type",
			"from_date",
			"to_date",
		],
		(
			(name, parent, CRM_DEAL.doctype, CRM_DEAL.status_log.fieldname, *rest)
			for name, parent, *rest in logs
		),
	)
	frappe.db.commit()


def clean_deals():
	frappe.db.sql("delete from `tabCRM Status Change Log` where parent like %s", f"{DEAL_PREFIX}%")
	frappe.db.sql("delete from `tabCRM Deal` where name like %s", f"{DEAL_PREFIX}%")
	frappe.db.delete(WIN_FACTOR, {"document_type": CRM_DEAL.doctype})
	frappe.db.commit()


def bare_deal_group_by(won: str, lost: str):
	"""The physical reference for learning from deals: one plain GROUP BY over the same closed deals,
	each joined to the log row of its loss (the status it was lost at)."""
	return frappe.db.sql(
		"""select deal.status, log.`from`, deal.source, count(*) from `tabCRM Deal` deal
		left join `tabCRM Status Change Log` log on log.parent = deal.name and log.`to` = %(lost)s
		where deal.status in (%(won)s, %(lost)s) group by deal.status, log.`from`, deal.source""",
		{"won": won, "lost": lost},
	)


def bare_deal_update():
	"""The physical reference for applying to deals: one plain UPDATE of the same open deals."""
	frappe.db.sql(
		"""update `tabCRM Deal` set probability = 50, modified = now(6)
		where status in %(open)s and probability_set_by_hand = 0""",
		{"open": open_statuses(CRM_DEAL)},
	)
	frappe.db.commit()


def deal_rounds(rounds: int, won: str, lost: str) -> dict:
	"""Per round, as speed_rounds: bare GROUP BY, learn, bare UPDATE, apply."""
	times = {"learn (deals)": [], "bare GROUP BY (deals)": [], "apply (deals)": [], "bare UPDATE (deals)": []}
	settings = win_probability_settings()
	for number in range(rounds):
		if number == 0:
			common.evict_buffer_pool()
		times["learn (deals)"].append(
			timed(lambda: (learn_company(None, settings, CRM_DEAL), frappe.db.commit()))
		)
		times["bare GROUP BY (deals)"].append(timed(lambda: bare_deal_group_by(won, lost)))
		times["bare UPDATE (deals)"].append(timed(bare_deal_update))
		start = time.perf_counter()
		changed = apply_company(None, settings, CRM_DEAL)
		frappe.db.commit()
		times["apply (deals)"].append(time.perf_counter() - start)
		if not changed:
			sys.exit("apply changed no deal: is the history under the minimum?")
	return times


def deal_claims(args) -> list:
	"""Seed, measure and clean Frappe CRM's deals; the three speed claims."""
	settings_before = set_settings(SETTINGS)
	try:
		clean_deals()
		began = time.perf_counter()
		_stages, won, lost = seed_deals(args.deals_closed, args.deals_open)
		print(
			f"  seeded {args.deals_closed:,} closed and {args.deals_open:,} open deals "
			f"in {time.perf_counter() - began:.0f} s"
		)
		times = deal_rounds(args.rounds, won, lost)
	finally:
		clean_deals()
		set_settings(settings_before)
	print_times(times, args.rounds)
	learn_ratio = max(
		a / b for a, b in zip(times["learn (deals)"], times["bare GROUP BY (deals)"], strict=True)
	)
	apply_ratio = max(
		a / b for a, b in zip(times["apply (deals)"], times["bare UPDATE (deals)"], strict=True)
	)
	return [
		(
			f"deals: learning at most {LEARN_LIMIT:g} s",
			max(times["learn (deals)"]) <= LEARN_LIMIT,
			f"{max(times['learn (deals)']):.1f} s",
		),
		(
			f"deals: learning within {LEARN_RATIO:g}x the bare GROUP BY (worst round)",
			learn_ratio <= LEARN_RATIO,
			f"{learn_ratio:.2f}x",
		),
		(
			f"deals: applying within {APPLY_RATIO:g}x the bare UPDATE (worst round)",
			apply_ratio <= APPLY_RATIO,
			f"{apply_ratio:.2f}x",
		),
	]


def print_times(times: dict, rounds: int):
	print(f"\n  speed over {rounds} rounds (round 1 cold), in ms:")
	print(f"  {'':40} {'min':>8} {'median':>8} {'max':>8}")
	for name, seconds in times.items():
		print(
			f"  {name:40} {min(seconds) * 1000:8.0f} {statistics.median(seconds) * 1000:8.0f} "
			f"{max(seconds) * 1000:8.0f}"
		)


def main():
	args = parse_args()
	common.connect(args.site, args.sites_path)
	company = frappe.defaults.get_global_default("company")
	stages = ordered_stages()
	if len(stages) < 3:
		sys.exit("The site needs its sales stages: run erpnext.setup.utils.before_tests first.")
	print(f"site {args.site}, Frappe {frappe.__version__}, {len(stages)} sales stages\n")
	for territory in TERRITORIES:
		make_territory(territory)
	make_lead_source(REFERRAL)
	make_lead_source(COLD_CALL)
	make_customer(CUSTOMER)
	frappe.db.commit()
	deals = frappe_crm.installed()
	if args.deals_only:
		if not deals:
			sys.exit("--deals-only: Frappe CRM is not installed on this site.")
		return finish(deal_claims(args))
	settings_before = set_settings(SETTINGS)
	stages_before = set_stage_probabilities(pooled_stage_rates(SIGNAL, stages))
	try:
		clean(company)
		began = time.perf_counter()
		seed_closed(args.closed, SIGNAL, stages)
		seed_open(args.open, stages, first=args.closed + 1)
		print(
			f"  seeded {args.closed:,} closed and {args.open:,} open opportunities "
			f"in {time.perf_counter() - began:.0f} s"
		)
		times = speed_rounds(company, args.rounds)
		print_times(times, args.rounds)  # now: a later step's failure must not lose them
		with_hooks, without = save_overhead(args.saves, stages[0])
		gap = accuracy(company, stages, SIGNAL)
		learned_brier, stage_brier, report_seconds = backtest(company)

		clean(company)
		set_stage_probabilities(pooled_stage_rates(NO_SIGNAL, stages))
		seed_closed(args.no_signal, NO_SIGNAL, stages)
		learn_company(company)
		frappe.db.commit()
		flat_learned, flat_stage, _seconds = backtest(company)
	finally:
		clean(company)
		set_stage_probabilities(stages_before)
		set_settings(settings_before)

	learn_ratio = max(a / b for a, b in zip(times["learn"], times["bare GROUP BY"], strict=True))
	apply_ratio = max(a / b for a, b in zip(times["apply"], times["bare UPDATE"], strict=True))
	claims = [
		(
			f"learning at most {LEARN_LIMIT:g} s",
			max(times["learn"]) <= LEARN_LIMIT,
			f"{max(times['learn']):.1f} s",
		),
		(
			f"learning within {LEARN_RATIO:g}x the bare GROUP BY (worst round)",
			learn_ratio <= LEARN_RATIO,
			f"{learn_ratio:.2f}x",
		),
		(
			f"applying within {APPLY_RATIO:g}x the bare UPDATE (worst round)",
			apply_ratio <= APPLY_RATIO,
			f"{apply_ratio:.2f}x",
		),
		(
			f"app hooks add at most {SAVE_BUDGET_MS:g} ms to a save (median)",
			with_hooks - without <= SAVE_BUDGET_MS,
			f"{with_hooks:.2f} ms with, {without:.2f} ms without: +{with_hooks - without:.2f} ms",
		),
		(
			f"learned chances within {POINTS:g} points of the true ones",
			gap <= POINTS,
			f"worst gap {gap:.2f} points",
		),
		(
			"backtest: learned Brier beats the stages' (true pooled rates)",
			learned_brier < stage_brier,
			f"{learned_brier:.4f} vs {stage_brier:.4f}, report {report_seconds * 1000:.0f} ms",
		),
		(
			"no signal: learned Brier no worse than the stages' (0.1 %)",
			flat_learned <= flat_stage * 1.001,
			f"{flat_learned:.4f} vs {flat_stage:.4f}",
		),
	]
	if deals:
		claims += deal_claims(args)
	finish(claims)


def finish(claims: list):
	ok = True
	print()
	for claim, holds, figure in claims:
		ok &= holds
		print(f"  {'PASS' if holds else 'FAIL'}  {claim}: {figure}")
	print(f"\n{'PASS' if ok else 'FAIL'}")
	sys.exit(0 if ok else 1)


if __name__ == "__main__":
	main()
