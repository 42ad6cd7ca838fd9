from datetime import date, timedelta

import pytest

from opportunity_pipeline.reporting import periods


@pytest.mark.parametrize(
	("periodicity", "key", "label"),
	[("Monthly", (2026, 5), "2026-05"), ("Quarterly", (2026, 2), "2026 Q2"), ("Yearly", (2026,), "2026")],
)
def test_a_month_falls_in_its_period(periodicity, key, label):
	assert periods.period_key(2026, 5, periodicity) == key
	assert periods.period_label(key, periodicity) == label


def test_periods_between_cover_the_range_in_order():
	assert periods.periods_between(date(2025, 11, 15), date(2026, 2, 3), "Monthly") == [
		(2025, 11),
		(2025, 12),
		(2026, 1),
		(2026, 2),
	]
	assert periods.periods_between(date(2025, 11, 15), date(2026, 4, 3), "Quarterly") == [
		(2025, 4),
		(2026, 1),
		(2026, 2),
	]
	assert periods.periods_between(date(2024, 3, 1), date(2026, 1, 1), "Yearly") == [
		(2024,),
		(2025,),
		(2026,),
	]


def test_previous_range_has_the_same_length_and_ends_the_day_before():
	assert periods.previous_range(date(2026, 4, 1), date(2026, 6, 30)) == (
		date(2025, 12, 31),
		date(2026, 3, 31),
	)
	assert periods.previous_range(date(2026, 3, 1), date(2026, 3, 1)) == (
		date(2026, 2, 28),
		date(2026, 2, 28),
	)


def test_change_percent():
	assert periods.change_percent(15, 10) == 50.0
	assert periods.change_percent(5, 10) == -50.0
	assert periods.change_percent(5, 0) is None


@pytest.mark.parametrize(
	("start", "end", "months", "pieces"),
	[
		(date(2025, 4, 1), date(2025, 6, 30), [date(2025, 4, 1), date(2025, 5, 1), date(2025, 6, 1)], []),
		(
			date(2024, 12, 31),
			date(2025, 3, 31),
			[date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)],
			[(date(2024, 12, 31), date(2024, 12, 31))],
		),
		(date(2025, 2, 10), date(2025, 2, 20), [], [(date(2025, 2, 10), date(2025, 2, 20))]),
		(
			date(2024, 1, 15),
			date(2024, 3, 10),
			[date(2024, 2, 1)],  # a leap February, whole
			[(date(2024, 1, 15), date(2024, 1, 31)), (date(2024, 3, 1), date(2024, 3, 10))],
		),
	],
)
def test_a_range_splits_into_whole_months_and_edge_pieces(start, end, months, pieces):
	assert periods.whole_months(start, end) == (months, pieces)


def test_whole_months_and_pieces_cover_the_range_exactly_once():
	start, end = date(2023, 11, 17), date(2026, 2, 3)
	days = set()
	months, pieces = periods.whole_months(start, end)
	for month in months:
		day = month
		while day.month == month.month:
			assert day not in days
			days.add(day)
			day += timedelta(days=1)
	for first, last in pieces:
		day = first
		while day <= last:
			assert day not in days
			days.add(day)
			day += timedelta(days=1)
	assert days == {start + timedelta(days=n) for n in range((end - start).days + 1)}
