"""The demo pipeline's story, as plain values: a year of opportunities, each with the dated steps a sales
team would take (created, moved through the stages, followed up, quoted, won, lost or left idle). Seeded,
so the same story every time; no Frappe import (layer-1 tested). demo/make.py plays it through the app.

The figures make the reports worth reading: referrals win more often than cold calls (the learned
probability finds it), most losses are on price or timing, a few opportunities stall or miss their
follow-up, and the last months still hold an open pipeline."""

import random
from dataclasses import dataclass, field

DAYS = 365
TERRITORIES = {"Europe": ("France", "Germany"), "North America": ("United States", "Canada")}
SALES_PEOPLE = (
	("Alice Martin", "France"),
	("Bruno Keller", "Germany"),
	("Chloe Dubois", "France"),
	("Dan Walker", "United States"),
	("Emma Roy", "Canada"),
	("Frank Miller", "United States"),
)
# Each sales person's yearly quota (their Sales Person target, spread evenly over the months).
YEARLY_QUOTA = 150_000
# source -> chance that an opportunity that reaches a quotation is won
SOURCES = {
	"Referral": 0.7,
	"Existing Customer": 0.6,
	"Campaign": 0.4,
	"Advertisement": 0.3,
	"Cold Calling": 0.2,
}
LOST_REASONS = {
	"Price too high": "Price",
	"Budget cut": "Price",
	"Chose a competitor": "Competition",
	"Timing not right": "Timing",
	"No decision": "Timing",
	"Missing feature": "Product",
}
COMPETITORS = ("Northwind", "Contoso", "Globex")
ITEMS = {
	"Consulting Day": 900,
	"Implementation Package": 12000,
	"Support Plan (Year)": 4800,
	"Training Session": 1500,
	"Software Licence": 3000,
}
CUSTOMERS = 40
LEADS = 30
OPPORTUNITIES = 420
# The stage where a won opportunity is quoted (ERPNext's default stages, in order).
STAGES = (
	"Prospecting",
	"Qualification",
	"Needs Analysis",
	"Value Proposition",
	"Identifying Decision Makers",
	"Perception Analysis",
	"Proposal/Price Quote",
	"Negotiation/Review",
)
QUOTE_STAGE = STAGES.index("Proposal/Price Quote")
# Stages that stall after so many days without a move (Sales Stage's Stalled After).
STALLED_AFTER = {"Needs Analysis": 21, "Proposal/Price Quote": 14, "Negotiation/Review": 14}

CREATE, STAGE, FOLLOW_UP, QUOTE, WIN, LOSE, AMOUNT = (
	"create",
	"stage",
	"follow_up",
	"quote",
	"win",
	"lose",
	"amount",
)


@dataclass
class Step:
	day: int  # days after the story's first day
	hour: int
	action: str
	values: dict = field(default_factory=dict)


@dataclass
class DemoOpportunity:
	number: int
	party: tuple  # ("Customer" | "Lead", index)
	owner: int  # index into SALES_PEOPLE
	source: str
	opportunity_type: str
	items: list  # [(item, qty)]
	steps: list = field(default_factory=list)
	outcome: str = "open"  # open | won | lost | idle


def story(seed: int = 2026) -> list[DemoOpportunity]:
	"""OPPORTUNITIES opportunities over DAYS days, each with its steps in date order."""
	rng = random.Random(seed)
	opportunities = [_opportunity(number, rng) for number in range(1, OPPORTUNITIES + 1)]
	return sorted(opportunities, key=lambda opportunity: opportunity.steps[0].day)


def _opportunity(number: int, rng: random.Random) -> DemoOpportunity:
	source = rng.choices(list(SOURCES), weights=(3, 2, 2, 1, 2))[0]
	owner = rng.randrange(len(SALES_PEOPLE))
	customer = rng.random() < 0.65 or source == "Existing Customer"
	party = ("Customer", rng.randrange(CUSTOMERS)) if customer else ("Lead", rng.randrange(LEADS))
	items = [
		(item, rng.choice((1, 1, 2, 3, 5))) for item in rng.sample(list(ITEMS), rng.choice((1, 1, 2, 3)))
	]
	opportunity = DemoOpportunity(
		number, party, owner, source, rng.choice(("Sales", "Sales", "Maintenance")), items
	)
	created = rng.randrange(DAYS - 10)
	day, hour = created, rng.randrange(9, 17)
	opportunity.steps.append(Step(day, hour, CREATE, {"stage": 0}))
	stage = 0
	# How far it goes: the better the source, the further.
	reach = QUOTE_STAGE if rng.random() < SOURCES[source] + 0.25 else rng.randrange(1, QUOTE_STAGE)
	while stage < reach:
		wait = rng.randint(3, 18)
		stuck = plan_stuck(rng, stage)
		if stuck:
			wait = stuck  # followed up, but it does not move on: it stalls
		if day + wait >= DAYS:
			break
		# The next step is planned: a follow-up a few days out, kept on time, late or missed.
		due = rng.randint(2, 7)
		opportunity.steps.append(Step(day, hour, FOLLOW_UP, {"in_days": due}))
		for later in range(10, wait, 10):
			opportunity.steps.append(Step(day + later, 10, FOLLOW_UP, {"in_days": rng.randint(3, 7)}))
		day, hour = day + wait, rng.randrange(9, 17)
		stage += 1
		opportunity.steps.append(Step(day, hour, STAGE, {"stage": stage}))
		if rng.random() < 0.15:
			opportunity.steps.append(Step(day, 17, AMOUNT, {"factor": rng.choice((0.8, 1.2, 1.5))}))
	last_day = day
	if stage >= QUOTE_STAGE and last_day + 2 < DAYS:
		opportunity.steps.append(Step(last_day + 1, 11, QUOTE))
		decision = last_day + rng.randint(5, 30)
		if decision < DAYS - 1:
			if rng.random() < SOURCES[source] and party[0] == "Customer":
				opportunity.steps.append(Step(decision, 15, STAGE, {"stage": QUOTE_STAGE + 1}))
				opportunity.steps.append(Step(decision, 16, WIN))
				opportunity.outcome = "won"
			else:
				opportunity.steps.append(Step(decision, 15, LOSE, _loss(rng)))
				opportunity.outcome = "lost"
		else:
			opportunity.steps.append(Step(last_day + 1, 12, FOLLOW_UP, {"in_days": rng.randint(3, 10)}))
	elif last_day + 30 < DAYS and rng.random() < 0.55:
		opportunity.steps.append(Step(last_day + rng.randint(5, 25), 14, LOSE, _loss(rng)))
		opportunity.outcome = "lost"
	elif last_day + 60 < DAYS and rng.random() < 0.5:
		opportunity.outcome = "idle"  # nobody touches it again: the auto-close closes it
	elif rng.random() < 0.8:
		opportunity.steps.append(Step(last_day, 17, FOLLOW_UP, {"in_days": rng.randint(1, 20)}))
	opportunity.steps.sort(key=lambda step: (step.day, step.hour))
	return opportunity


def plan_stuck(rng: random.Random, stage: int) -> int:
	"""Some opportunities wait in Needs Analysis longer than its Stalled After: the days they wait, or 0."""
	if STAGES[stage] == "Needs Analysis" and rng.random() < 0.25:
		return rng.randint(STALLED_AFTER["Needs Analysis"] + 5, 40)
	return 0


def _loss(rng: random.Random) -> dict:
	reasons = rng.sample(list(LOST_REASONS), rng.choice((1, 1, 2)))
	competitors = [rng.choice(COMPETITORS)] if "Chose a competitor" in reasons or rng.random() < 0.3 else []
	return {"reasons": reasons, "competitors": competitors}


def days_with_steps(opportunities: list[DemoOpportunity]) -> list[int]:
	return sorted({step.day for opportunity in opportunities for step in opportunity.steps})
