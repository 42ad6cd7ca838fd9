"""Calendar periods for reports: keys, labels, and the period before a date range."""

from datetime import date, timedelta

PERIODICITIES = ("Monthly", "Quarterly", "Yearly")


def period_key(year: int, month: int, periodicity: str) -> tuple:
	"""The period a month falls in: (year, month), (year, quarter) or (year,)."""
	if periodicity == "Monthly":
		return (year, month)
	if periodicity == "Quarterly":
		return (year, (month - 1) // 3 + 1)
	return (year,)


def period_label(key: tuple, periodicity: str) -> str:
	if periodicity == "Monthly":
		return f"{key[0]}-{key[1]:02d}"
	if periodicity == "Quarterly":
		return f"{key[0]} Q{key[1]}"
	return str(key[0])


def periods_between(start: date, end: date, periodicity: str) -> list[tuple]:
	"""Every period from the one holding `start` to the one holding `end`, in order."""
	keys, year, month = [], start.year, start.month
	while (year, month) <= (end.year, end.month):
		key = period_key(year, month, periodicity)
		if key not in keys:
			keys.append(key)
		year, month = (year + 1, 1) if month == 12 else (year, month + 1)
	return keys


def previous_range(start: date, end: date) -> tuple[date, date]:
	"""The range of the same length just before [start, end]."""
	length = (end - start).days + 1
	return start - timedelta(days=length), start - timedelta(days=1)


def change_percent(current: float, previous: float) -> float | None:
	"""Change against the previous period, in percent; None when there was nothing before."""
	if not previous:
		return None
	return round((current - previous) * 100 / previous, 1)


def month_start(day: date) -> date:
	return day.replace(day=1)


def next_month(month: date) -> date:
	return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def whole_months(start: date, end: date) -> tuple[list[date], list[tuple[date, date]]]:
	"""[start, end] split into the whole calendar months it covers (their first days) and the partial
	pieces left at either edge ((first, last) days). A summary kept per month answers the whole months;
	the pieces are a few days of detail."""
	months, pieces = [], []
	month = month_start(start)
	while month <= end:
		last = next_month(month) - timedelta(days=1)
		first_day, last_day = max(month, start), min(last, end)
		if (first_day, last_day) == (month, last):
			months.append(month)
		else:
			pieces.append((first_day, last_day))
		month = next_month(month)
	return months, pieces
