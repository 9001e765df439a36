"""The city's business days, for payment deadlines (DESIGN.md §4).

A deadline that falls on a day the city hall is closed moves to the next day it is open
(地方自治法 第4条の2 第4項). Closed are Saturdays, Sundays, national holidays (including
substitute holidays and the "sandwiched" citizens' holidays, as ``jpholiday`` knows them)
and the year-end and new-year closing days, 29 December to 3 January.

Pure functions, no database: the barcode deadline of every slip of a 100,000-row ledger
goes through here.
"""

import datetime as dt

import jpholiday

SATURDAY = 5
# (month, day) of the year-end and new-year closing days (年末年始の休日).
CLOSING_DAYS = frozenset({(12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3)})


def is_business_day(day: dt.date) -> bool:
    """Whether the city hall is open on ``day``."""
    if day.weekday() >= SATURDAY:
        return False
    if (day.month, day.day) in CLOSING_DAYS:
        return False
    return not jpholiday.is_holiday(day)


def next_business_day(day: dt.date) -> dt.date:
    """``day`` itself when the city hall is open then, else the next day it is."""
    while not is_business_day(day):
        day += dt.timedelta(days=1)
    return day
