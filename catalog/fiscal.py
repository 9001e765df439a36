"""Fiscal years and Japanese era dates, as city staff write them.

Pure functions, no database: the fiscal year (1 April – 31 March) of a date, its label
(``令和6年度``), and parsers for the dates and year-months that ledgers carry — era dates
in kanji or letters (``令和6年4月1日``, ``R6.4.1``, ``H31.4.30``), Western dates
(``2024/4/1``), full-width digits and Excel serial dates. A date that does not exist,
such as ``令和元年4月1日`` (Reiwa began on 1 May 2019) or ``R6.2.30``, is refused with a
message that says why.

Era start and end dates come from japanera's table (``ERA_DATA_GENERAL``), not a table of
our own: its 大正, 昭和, 平成 and 令和 boundaries are the official ones. Japan used the
lunisolar calendar until 明治5年, so 明治 dates before 1873 are read as if Gregorian.
"""

import datetime as dt
import re
import unicodedata

from django.utils.translation import gettext_lazy as _
from japanera import ERA_DATA_GENERAL

# The eras a living resident's records can carry: 明治 (1868) onwards, oldest first.
ERAS = sorted(
    (era for era in ERA_DATA_GENERAL if era.since >= dt.date(1868, 1, 1)),
    key=lambda era: era.since,
)
ERA_BY_NAME = {era.kanji: era for era in ERAS} | {era.english_head: era for era in ERAS}

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01, after Excel's fake 1900-02-29
EXCEL_FAKE_LEAP_DAY = 60
EXCEL_LAST_SERIAL = 2958465  # 9999-12-31

# A string of five digits is an Excel serial (1927–2173); shorter ones would be years.
_SERIAL = re.compile(r"\d{5}(\.\d+)?")
_ERA = rf"(?P<era>{'|'.join(ERA_BY_NAME)})"
_ERA_YEAR = r"(?P<year>\d{1,2}|元)"
# ー, − and ‐ are what a Japanese input method types for "-"; NFKC leaves them alone.
_SEP = r"(?P<sep>[./\-ー−‐])"
_DATE_FORMS = [
    re.compile(rf"{_ERA}{_ERA_YEAR}年(?P<month>\d{{1,2}})月(?P<day>\d{{1,2}})日?"),
    re.compile(rf"{_ERA}{_ERA_YEAR}{_SEP}(?P<month>\d{{1,2}})(?P=sep)(?P<day>\d{{1,2}})"),
    re.compile(r"(?P<western>\d{4})年(?P<month>\d{1,2})月(?P<day>\d{1,2})日?"),
    re.compile(rf"(?P<western>\d{{4}}){_SEP}(?P<month>\d{{1,2}})(?P=sep)(?P<day>\d{{1,2}})"),
]
_YEAR_MONTH_FORMS = [
    re.compile(rf"{_ERA}{_ERA_YEAR}年(?P<month>\d{{1,2}})月?"),
    re.compile(rf"{_ERA}{_ERA_YEAR}{_SEP}(?P<month>\d{{1,2}})"),
    re.compile(r"(?P<western>\d{4})年(?P<month>\d{1,2})月?"),
    re.compile(rf"(?P<western>\d{{4}}){_SEP}(?P<month>\d{{1,2}})"),
]


class DateParseError(ValueError):
    """A value that is not a date (or year-month); ``value`` is what was given."""

    def __init__(self, value, message):
        super().__init__(str(message))
        self.value = value
        self.message = message


def fiscal_year(d: dt.date) -> int:
    """The fiscal year a day belongs to: April 2024 – March 2025 is 2024."""
    return d.year if d.month >= 4 else d.year - 1


def fiscal_year_bounds(fy: int) -> tuple[dt.date, dt.date]:
    """The first and last day of a fiscal year."""
    return dt.date(fy, 4, 1), dt.date(fy + 1, 3, 31)


def _era_of(d: dt.date):
    """The japanera era in force on ``d`` (明治 onwards)."""
    for era in reversed(ERAS):
        if era.since <= d:
            return era
    raise ValueError(f"{d} is before 明治")


def _era_year_text(year: int) -> str:
    return "元" if year == 1 else str(year)


def era_label(d: dt.date) -> str:
    """``令和6年4月1日``; the first year of an era is written 元年."""
    era = _era_of(d)
    return f"{era.kanji}{_era_year_text(d.year - era.since.year + 1)}年{d.month}月{d.day}日"


def fiscal_year_label(fy: int, *, with_western: bool = False) -> str:
    """``令和6年度``, or ``令和6年度 (2024)`` where a screen shows both.

    A fiscal year is named by the era in force on 1 May of its first year. That names
    April 2019 – March 2020 令和元年度, as the government and cities write it, and keeps
    April 1988 – March 1989 昭和63年度.
    """
    era = _era_of(dt.date(fy, 5, 1))
    label = f"{era.kanji}{_era_year_text(fy - era.since.year + 1)}年度"
    return f"{label} ({fy})" if with_western else label


def _normalise(value: str) -> str:
    """Full-width digits, letters and punctuation to half-width; no spaces; upper case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).upper()


def _match(forms, text: str):
    """The match of the first form ``text`` is written in, or None."""
    return next((match for form in forms if (match := form.fullmatch(text))), None)


def _western_year(value, match) -> int:
    """The Western year of a match, checking the era year is at least 1."""
    if match.groupdict().get("era") is None:
        return int(match.group("western"))
    era_year = 1 if match.group("year") == "元" else int(match.group("year"))
    if era_year < 1:
        raise DateParseError(
            value, _("%(value)s does not exist: era years start at 1 (元年).") % {"value": value}
        )
    return ERA_BY_NAME[match.group("era")].since.year + era_year - 1


def _check_within_era(value, match, first: dt.date, last: dt.date) -> None:
    """Refuse a date (or month, from ``first`` to ``last``) outside its era."""
    if match.groupdict().get("era") is None:
        return
    era = ERA_BY_NAME[match.group("era")]
    if last < era.since:
        raise DateParseError(
            value,
            _("%(value)s does not exist: %(era)s began on %(since)s.")
            % {"value": value, "era": era.kanji, "since": era.since.isoformat()},
        )
    if era.until is not None and first >= era.until:
        raise DateParseError(
            value,
            _("%(value)s does not exist: %(era)s ended on %(until)s.")
            % {
                "value": value,
                "era": era.kanji,
                "until": (era.until - dt.timedelta(days=1)).isoformat(),
            },
        )


def _from_excel_serial(value, serial: float) -> dt.date:
    """The day of an Excel serial (1900 date system); a time fraction is dropped."""
    # Written so that NaN and infinity fail the range test before int() sees them.
    if not 1 <= serial < EXCEL_LAST_SERIAL + 1 or int(serial) == EXCEL_FAKE_LEAP_DAY:
        raise DateParseError(value, _("%(value)s is not an Excel date serial.") % {"value": value})
    whole = int(serial)
    if whole < EXCEL_FAKE_LEAP_DAY:
        whole += 1  # before Excel's fake 29 February 1900
    return EXCEL_EPOCH + dt.timedelta(days=whole)


def _unrecognised(value):
    return DateParseError(
        value,
        _("%(value)s is not a date: write it as 2024/4/1, 令和6年4月1日 or R6.4.1.")
        % {"value": value},
    )


def parse_date(value) -> dt.date:
    """A date from what staff type or Excel stores; :class:`DateParseError` otherwise.

    Numbers, and strings of five digits, are Excel serial dates. Eight bare digits are
    refused: ``20240401`` could be a date or an amount.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is None:
        raise DateParseError(value, _("A date is missing."))
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _unrecognised(value)
    if not isinstance(value, str):
        return _from_excel_serial(value, value)
    text = _normalise(value)
    if not text:
        raise DateParseError(value, _("A date is missing."))
    if _SERIAL.fullmatch(text):
        return _from_excel_serial(value, float(text))
    match = _match(_DATE_FORMS, text)
    if match is None:
        raise _unrecognised(value)
    year = _western_year(value, match)
    try:
        d = dt.date(year, int(match.group("month")), int(match.group("day")))
    except ValueError:
        raise DateParseError(
            value, _("%(value)s does not exist: there is no such day.") % {"value": value}
        ) from None
    _check_within_era(value, match, d, d)
    return d


def parse_year_month(value) -> tuple[int, int]:
    """(year, month) from ``2024-04``, ``2024年4月``, ``令和6年4月``, ``R6.4``, a date or an
    Excel serial; :class:`DateParseError` otherwise."""
    text = _normalise(value) if isinstance(value, str) else None
    if value is None or text == "":
        raise DateParseError(value, _("A year and month are missing."))
    is_date = isinstance(value, dt.date | int | float) and not isinstance(value, bool)
    if is_date or (text and _SERIAL.fullmatch(text)):
        d = parse_date(value)
        return d.year, d.month
    match = _match(_YEAR_MONTH_FORMS, text) if text else None
    if match is None:
        raise DateParseError(
            value,
            _("%(value)s is not a year and month: write it as 2024-04, 2024年4月 or 令和6年4月.")
            % {"value": value},
        )
    year, month = _western_year(value, match), int(match.group("month"))
    if not 1 <= month <= 12:
        raise DateParseError(
            value, _("%(value)s does not exist: a month is 1 to 12.") % {"value": value}
        )
    first = dt.date(year, month, 1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    _check_within_era(value, match, first, last)
    return year, month
