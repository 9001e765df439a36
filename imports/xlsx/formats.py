"""How a workbook writes its values: which number formats show dates (and elapsed
time), Excel serials as dates and times, ISO dates (``t="d"``), and the ``_xHHHH_``
escape of characters XML cannot hold.
"""

import datetime as dt
import re

# Date formats (see date_format_kind).
DATE, DURATION = 1, 2
_DATE_BUILTINS = frozenset(
    [*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)]  # 27–58: East Asian
)
_DURATION_BUILTINS = frozenset([46])  # [h]:mm:ss
_LITERAL = re.compile(r'"[^"]*"?|\\.|[_*].', re.DOTALL)  # "text", \x, _x (pad), *x (fill)
_ELAPSED = re.compile(r"\[(?:h+|m+|s+)\]", re.IGNORECASE)
_BRACKETS = re.compile(r"\[[^\]]*\]?")  # [$-411], [DBNum1], [Red], [<=100]
_NOT_TOKENS = re.compile(r"general|[eE][+-]", re.IGNORECASE)  # "General", 0.00E+00
_DATE_TOKEN = re.compile(r"[ymdhsegYMDHSEG]")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")  # how Excel writes control characters

# Excel's day 0 (1900 system: serial 1 is 1900-01-01, after its fake 1900-02-29, serial 60;
# the same epoch as catalog.fiscal) and its last day, 9999-12-31.
_EPOCH_1900 = dt.date(1899, 12, 30)
_FAKE_LEAP_DAY = 60
_EPOCH_1904 = dt.date(1904, 1, 1)
_LAST_SERIAL = {False: 2_958_465, True: 2_957_003}
_DAY_MS = 86_400_000
_MIDNIGHT = dt.datetime(2000, 1, 1)


def _unescape(text):
    return _ESCAPED.sub(lambda match: chr(int(match.group(1), 16)), text)


def date_format_kind(code: str):
    """:data:`DATE` if a number format shows a date or time, :data:`DURATION` for elapsed
    time (``[h]:mm``), else None.

    A date format has one of the tokens y m d h s e g (e, g: Japanese era) outside quoted
    text, escapes and brackets; the brackets are prefixes such as ``[$-411]`` (locale),
    ``[DBNum1]`` (kanji numerals) or ``[Red]``, but ``[h]``, ``[m]``, ``[s]`` are elapsed
    time. ``General`` and the exponent of ``0.00E+00`` are not tokens.
    """
    code = _LITERAL.sub("", code)
    if _ELAPSED.search(code):
        return DURATION
    code = _NOT_TOKENS.sub("", _BRACKETS.sub("", code))
    return DATE if _DATE_TOKEN.search(code) else None


def excel_datetime(serial: float, date1904: bool = False):
    """The date (and time) of an Excel serial, as python-calamine gives it: a ``date``, a
    ``datetime`` when there is a time of day (to the millisecond), a ``time`` below one
    day. Serials that are no day (negative, past 9999-12-31, or 1900-02-29, which Excel
    counts but never was) come back as the number."""
    if not 0 <= serial < _LAST_SERIAL[date1904] + 1:
        return serial
    days = int(serial)
    ms = round((serial - days) * _DAY_MS)
    if ms >= _DAY_MS:
        days, ms = days + 1, 0
    if days == 0:
        return (_MIDNIGHT + dt.timedelta(milliseconds=ms)).time()
    if days > _LAST_SERIAL[date1904] or (days == _FAKE_LEAP_DAY and not date1904):
        return serial
    if date1904:
        day = _EPOCH_1904 + dt.timedelta(days=days)
    else:
        day = _EPOCH_1900 + dt.timedelta(days=days + 1 if days < _FAKE_LEAP_DAY else days)
    if not ms:
        return day
    return dt.datetime(day.year, day.month, day.day) + dt.timedelta(milliseconds=ms)


def _iso_datetime(text):
    """A ``t="d"`` cell: ISO 8601 date, date and time, or time."""
    text = text.strip()
    if "T" in text or " " in text:
        return dt.datetime.fromisoformat(text.rstrip("Z"))
    if ":" in text:
        return dt.time.fromisoformat(text)
    return dt.date.fromisoformat(text)
