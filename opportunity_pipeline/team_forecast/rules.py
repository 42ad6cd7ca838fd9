"""The team forecast's arithmetic (issue #30): a quota's share of each period, each sales person's figures
rolled up the Sales Person tree, and coverage. No Frappe import: tested in layer 1.
"""

from collections import defaultdict


def quota_share(target: float, percentage: float | None, periods: int) -> float:
	"""A yearly target's part in one of `periods` periods: the Monthly Distribution's percentage for the
	period's months where the target has one, else an even share."""
	if percentage is None:
		return target / periods if periods else 0.0
	return target * percentage / 100


def coverage(weighted: float, quota: float, won: float) -> float | None:
	"""Weighted open pipeline over the quota still to reach; None when nothing is left to reach."""
	left = quota - won
	return weighted / left if left > 0 else None


def merged(*parts: dict) -> dict:
	"""Each person's own figures from several sources ({person: {(period, measure): amount}}), as one."""
	own = defaultdict(dict)
	for part in parts:
		for person, amounts in part.items():
			own[person].update(amounts)
	return dict(own)


def rolled_up(people: list[tuple[str, int, int]], own: dict) -> dict:
	"""Each person's figures with those of everyone under them in the tree: `people` are (name, lft, rgt)
	of the Sales Person tree (nested sets), `own` maps a name to its {(period, measure): amount}. Each
	person's own figures are added to them and to each of their managers up the tree, once."""
	totals = {name: defaultdict(float) for name, _lft, _rgt in people}
	above = []  # (rgt, name) of the managers of the person at hand, innermost last
	for name, lft, rgt in sorted(people, key=lambda person: person[1]):
		while above and above[-1][0] < lft:
			above.pop()
		for key, amount in own.get(name, {}).items():
			totals[name][key] += amount
			for _rgt, manager in above:
				totals[manager][key] += amount
		above.append((rgt, name))
	return {name: dict(figures) for name, figures in totals.items()}


def forecast_calls(people: list[tuple[str, str | None]], submitted: dict) -> dict:
	"""Each person's forecast for a period, as Salesforce rolls it up: their own latest submission where
	they made one (a manager's adjusted call over their team), else the calls of the people directly under
	them added up; None where nobody at or under them submitted. `people` are (name, parent) in tree
	order, `submitted` maps a name to its latest (commit, best case)."""
	under = defaultdict(lambda: None)
	calls = {}
	for name, parent in reversed(people):
		call = submitted.get(name) or under[name]
		calls[name] = call
		if call is not None and parent is not None:
			before = under[parent] or (0.0, 0.0)
			under[parent] = (before[0] + call[0], before[1] + call[1])
	return calls


def forecast_error(call: float | None, won: float, ended: bool) -> float | None:
	"""How far a period's submitted commit was from what was won (the opportunities or deals closed won in
	it), once the period is over: positive when it promised more than came in. None while the period
	runs, or when nobody submitted for it."""
	return call - won if ended and call is not None else None


def forecast_bias(errors_and_won: list[tuple[float, float]]) -> float | None:
	"""Over the periods that ended with a forecast: the errors added up over what was won, in percent
	(positive: the forecasts ran high, negative: low). None when nothing was won in them."""
	won = sum(w for _error, w in errors_and_won)
	return sum(error for error, _w in errors_and_won) / won * 100 if won else None
