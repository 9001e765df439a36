"""Deadlines on a day the city hall is closed move to the next day it is open."""

import datetime as dt

import pytest

from catalog.business_days import is_business_day, next_business_day


@pytest.mark.parametrize(
    "day, moved_to",
    [
        # A plain Wednesday stays.
        (dt.date(2024, 6, 12), dt.date(2024, 6, 12)),
        # Golden Week: 5/3 憲法記念日, 5/4 Sat, 5/5 Sun, 5/6 振替休日.
        (dt.date(2024, 5, 3), dt.date(2024, 5, 7)),
        # A Saturday before the year-end closing days and the new-year weekend.
        (dt.date(2024, 12, 28), dt.date(2025, 1, 6)),
        # 1/3 is a closing day although no national holiday.
        (dt.date(2025, 1, 3), dt.date(2025, 1, 6)),
        (dt.date(2025, 12, 29), dt.date(2026, 1, 5)),
        # A Sunday moves to Monday.
        (dt.date(2024, 6, 16), dt.date(2024, 6, 17)),
        # Silver Week 2026: 9/21 敬老の日, 9/22 国民の休日 between two holidays, 9/23 秋分の日.
        (dt.date(2026, 9, 19), dt.date(2026, 9, 24)),
        # The ten days off around the 2019 enthronement.
        (dt.date(2019, 4, 27), dt.date(2019, 5, 7)),
    ],
)
def test_next_business_day(day, moved_to):
    assert next_business_day(day) == moved_to
    assert is_business_day(moved_to)


def test_the_year_end_closing_days_are_not_business_days():
    # 12/28 and 1/4 are working days when they fall on weekdays (2023-12-28 Thu, 2024-01-04 Thu).
    assert is_business_day(dt.date(2023, 12, 28))
    assert not any(is_business_day(dt.date(2023, 12, day)) for day in (29, 30, 31))
    assert not any(is_business_day(dt.date(2024, 1, day)) for day in (1, 2, 3))
    assert is_business_day(dt.date(2024, 1, 4))


def test_a_substitute_holiday_is_not_a_business_day():
    # 2024-02-11 建国記念の日 fell on a Sunday: Monday the 12th was off.
    assert not is_business_day(dt.date(2024, 2, 12))
    assert next_business_day(dt.date(2024, 2, 10)) == dt.date(2024, 2, 13)
