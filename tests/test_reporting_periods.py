from datetime import date

import pytest

from opportunity_pipeline.reporting.periods import (
	change_percent,
	period_key,
	period_label,
	periods_between,
	previous_range,
)


@pytest.mark.parametrize(
	("periodicity", "key", "label"),
	[("Monthly", (2026, 5), "2026-05"), ("Quarterly", (2026, 2), "2026 Q2"), ("Yearly", (2026,), "2026")],
)
def test_a_month_falls_in_its_period(periodicity, key, label):
	assert period_key(2026, 5, periodicity) == key
	assert period_label(key, periodicity) == label


def test_periods_between_cover_the_range_in_order():
	assert periods_between(date(2025, 11, 15), date(2026, 2, 3), "Monthly") == [
		(2025, 11),
		(2025, 12),
		(2026, 1),
		(2026, 2),
	]
	assert periods_between(date(2025, 11, 15), date(2026, 4, 3), "Quarterly") == [
		(2025, 4),
		(2026, 1),
		(2026, 2),
	]
	assert periods_between(date(2024, 3, 1), date(2026, 1, 1), "Yearly") == [(2024,), (2025,), (2026,)]


def test_previous_range_has_the_same_length_and_ends_the_day_before():
	assert previous_range(date(2026, 4, 1), date(2026, 6, 30)) == (date(2025, 12, 31), date(2026, 3, 31))
	assert previous_range(date(2026, 3, 1), date(2026, 3, 1)) == (date(2026, 2, 28), date(2026, 2, 28))


def test_change_percent():
	assert change_percent(15, 10) == 50.0
	assert change_percent(5, 10) == -50.0
	assert change_percent(5, 0) is None
