"""Ledger cells, as city staff type them, turned into clean values for the importer.

Pure functions, no database: each takes one raw cell as :mod:`imports.xlsx` reads it (``""``
or ``None`` when empty, ``float`` for every number) and returns the clean value, or raises
:class:`CellError` with a message a clerk can act on.

Staff type amounts as ``¥1,234``, ``1,234円`` or in full-width digits, and Excel drops the
leading zeros of a code typed as a number (``00123`` becomes ``123.0``); both are read
back to what was meant. Anything that could be two things — a fraction of a yen, a
negative amount, a code of the wrong length typed as text — is refused, not guessed.
Dates, year-months and fiscal years go by :mod:`catalog.fiscal`, which knows the eras.

They run on every cell of 100,000-row ledgers, so the common forms (ASCII digits,
numbers, date cells) are answered before any NFKC or regular expression, and nothing
raises on the way to a good value.
"""

import datetime as dt
import functools
import math
import re
import unicodedata

from django.utils.translation import gettext_lazy as _

from catalog.fiscal import (
    ERA_BY_NAME,
    DateParseError,
    fiscal_year_label,
    parse_date,
    parse_year_month,
)


class CellError(ValueError):
    """A cell that cannot be read; ``message`` says why, in the active language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return str(self.message)


REQUIRED = _("This cell is required.")

# Why a cell holds no whole number (see _to_int); the messages depend on the caller.
_BLANK, _FRACTION, _NOT_NUMBER = "blank", "fraction", "not a number"

# After NFKC and strip. ¥ is also typed as "\" (the ¥ key on a Japanese keyboard);
# △ and ▲ are how Japanese accounts write a minus.
_SIGN = r"(?P<sign>[-−△▲])?"
_NUMBER = r"(?P<digits>\d+|\d{1,3}(?:,\d{3})+)(?:\.(?P<fraction>\d+))?"
_AMOUNT_FORM = re.compile(rf"{_SIGN}\s*[¥\\]?\s*(?P<sign2>-)?{_NUMBER}\s*円?", re.ASCII)
_COUNT_FORM = re.compile(rf"{_SIGN}{_NUMBER}\s*件?", re.ASCII)
_INTEGER_FORM = re.compile(rf"{_SIGN}{_NUMBER}", re.ASCII)


def is_blank(value) -> bool:
    """None, ``""`` or only spaces (full-width U+3000 included); a number is never blank."""
    return value is None or (type(value) is str and (not value or value.isspace()))


def _when_blank(required: bool, empty):
    """What a blank cell gives: ``empty``, or the error if the cell is required."""
    if required:
        raise CellError(REQUIRED)
    return empty


def plain_text(value) -> str:
    """A cell as the clerk sees it: ``12`` for Excel's 12.0, strings stripped."""
    if type(value) is str:
        return value.strip()
    if type(value) is float and value.is_integer():
        return str(int(value))
    if type(value) is bool:
        return "TRUE" if value else "FALSE"
    return "" if value is None else str(value)


def _normalised(value: str) -> str:
    """Full-width digits, letters and signs to half-width, then stripped."""
    return unicodedata.normalize("NFKC", value).strip()


def _example(length: int) -> str:
    """A code of ``length`` digits with leading zeros where it has room: 00123."""
    return "123".rjust(length, "0")[-length:]


def text(value, *, max_length: int, required: bool = True) -> str:
    """Free text, stripped but otherwise as typed; numbers as Excel shows them."""
    result = plain_text(value)
    if not result:
        return _when_blank(required, "")
    if len(result) > max_length:
        raise CellError(
            _("Enter at most %(max_length)s characters; this has %(length)s.")
            % {"max_length": max_length, "length": len(result)}
        )
    return result


def _digit_text(value, shortest: int, longest: int) -> str | None:
    """The ASCII digits a cell holds if there are ``shortest`` to ``longest``, else None.

    A number Excel stored has lost any leading zeros: it is zero-padded to ``shortest``.
    """
    kind = type(value)
    if kind is str:
        result = value if value.isascii() and value.isdigit() else _normalised(value)
        if shortest <= len(result) <= longest and result.isascii() and result.isdigit():
            return result
    elif (kind is float and value.is_integer()) or kind is int:
        result = str(int(value))
        if value >= 0 and len(result) <= longest:
            return result.zfill(shortest)
    return None


def code(value, *, length: int, required: bool = True) -> str:
    """A code of exactly ``length`` digits whose leading zeros count (``00123``).

    A code Excel stored as a number has lost its leading zeros; they are put back.
    Text of another length is refused: ``0123`` for a 5-digit code may be a typo.
    """
    result = _digit_text(value, length, length)
    if result is not None:
        return result
    if is_blank(value):
        return _when_blank(required, "")
    raise CellError(
        _(
            "%(value)s is not a %(length)s-digit code: "
            "enter exactly %(length)s digits, e.g. %(example)s."
        )
        % {"value": plain_text(value), "length": length, "example": _example(length)}
    )


def digits(value, *, max_length: int, required: bool = True) -> str:
    """A number of 1 to ``max_length`` digits kept as text (slip or payer numbers)."""
    result = _digit_text(value, 1, max_length)
    if result is not None:
        return result
    if is_blank(value):
        return _when_blank(required, "")
    raise CellError(
        _("%(value)s is not a number of at most %(max_length)s digits: use the digits 0-9 only.")
        % {"value": plain_text(value), "max_length": max_length}
    )


def _to_int(value, form: re.Pattern) -> int | str:
    """The whole number a cell holds (negative too), or why it holds none (_BLANK, ...)."""
    kind = type(value)
    if kind is int:
        return value
    if kind is float:
        if value.is_integer():
            return int(value)
        return _FRACTION if math.isfinite(value) else _NOT_NUMBER
    if kind is not str:
        return _BLANK if value is None else _NOT_NUMBER
    if value.isascii() and value.isdigit():
        return int(value)
    match = form.fullmatch(_normalised(value))
    if match is None:
        return _BLANK if is_blank(value) else _NOT_NUMBER
    if (match.group("fraction") or "0").strip("0"):
        return _FRACTION
    number = int(match.group("digits").replace(",", ""))
    negative = match.group("sign") or match.groupdict().get("sign2")
    return -number if negative else number


def _whole_or_none(value, form, required, messages, max_value) -> int | None:
    """The shared end of amount() and count(): range checks and messages."""
    number = _to_int(value, form)
    if type(number) is int:
        if 0 <= number <= max_value:
            return number
        message = messages["negative"] if number < 0 else messages["too large"]
    elif number == _BLANK:
        return _when_blank(required, None)
    else:
        message = messages[number]
    raise CellError(message % {"value": plain_text(value), "max_value": f"{max_value:,}"})


_AMOUNT_MESSAGES = {
    _NOT_NUMBER: _("%(value)s is not an amount: enter whole yen, e.g. 1234 or ¥1,234."),
    _FRACTION: _("%(value)s has a fraction of a yen: enter whole yen, e.g. 1234."),
    "negative": _("%(value)s is negative: an amount is whole yen of 0 or more."),
    "too large": _("%(value)s is too large: the most is ¥%(max_value)s."),
}
_COUNT_MESSAGES = {
    _NOT_NUMBER: _("%(value)s is not a count: enter a whole number, e.g. 12 or 1,234."),
    _FRACTION: _("%(value)s has a fraction: a count is a whole number."),
    "negative": _("%(value)s is negative: a count is 0 or more."),
    "too large": _("%(value)s is too large: the most is %(max_value)s."),
}


def amount(value, *, required: bool = True, max_value: int = 99_999_999_999) -> int | None:
    """Whole yen, 0 or more: ``1234``, ``¥1,234``, ``1,234円``, ``１２３４`` or 1234.0."""
    return _whole_or_none(value, _AMOUNT_FORM, required, _AMOUNT_MESSAGES, max_value)


def count(value, *, required: bool = True, max_value: int = 2_147_483_647) -> int | None:
    """A count, 0 or more: ``12``, ``1,234``, ``1,234件``, full-width or 12.0."""
    return _whole_or_none(value, _COUNT_FORM, required, _COUNT_MESSAGES, max_value)


def integer_in_range(
    value, *, minimum: int, maximum: int, required: bool = True, default=None
) -> int | None:
    """A small whole number from ``minimum`` to ``maximum`` (a reissue count 0-9)."""
    number = _to_int(value, _INTEGER_FORM)
    if type(number) is int and minimum <= number <= maximum:
        return number
    if number == _BLANK:
        return _when_blank(required, default)
    raise CellError(
        _("%(value)s is not a whole number from %(minimum)s to %(maximum)s.")
        % {"value": plain_text(value), "minimum": minimum, "maximum": maximum}
    )


def date(value) -> dt.date:
    """A day from a date cell, an Excel serial or text such as ``令和6年4月30日``."""
    kind = type(value)
    if kind is dt.date:
        return value
    if kind is dt.datetime:
        return value.date()
    try:
        return parse_date(value)
    except DateParseError as error:
        raise CellError(error.message) from None


def year_month(value) -> dt.date:
    """The first day of a month: ``2024-04``, ``令和6年4月``, ``R6.4`` or a date cell."""
    if isinstance(value, dt.date):  # Excel turns a typed 2024-04 into 2024-04-01
        return dt.date(value.year, value.month, 1)
    try:
        year, month = parse_year_month(value)
    except DateParseError as error:
        raise CellError(error.message) from None
    return dt.date(year, month, 1)


# After NFKC, without spaces, in upper case: 2024, 2024年, 2024年度, FY2024; 令和6年度, R6,
# 令和元年度 and the screens' 令和6年度 (2024), whose Western year must agree.
_FISCAL_YEAR_FORMS = [
    re.compile(r"(?:FY)?(?P<western>\d{4})(?:年度?)?"),
    re.compile(
        rf"(?P<era>{'|'.join(ERA_BY_NAME)})(?P<year>\d{{1,2}}|元)(?:年度?)?"
        r"(?:\((?P<western>\d{4})(?:年度?)?\))?"
    ),
]


def _not_a_fiscal_year(value):
    return CellError(
        _("%(value)s is not a fiscal year: write it as 2024, 2024年度, 令和6年度 or R6.")
        % {"value": plain_text(value)}
    )


def _fiscal_year_of_text(value: str) -> int:
    """The fiscal year a text names; :class:`CellError` for anything else."""
    text = "".join(_normalised(value).split()).upper()
    match = next((m for form in _FISCAL_YEAR_FORMS if (m := form.fullmatch(text))), None)
    if match is None:
        raise _not_a_fiscal_year(value)
    western = match.group("western")
    if match.groupdict().get("era") is None:
        return int(western)
    era = ERA_BY_NAME[match.group("era")]
    era_year = 1 if match.group("year") == "元" else int(match.group("year"))
    shown = plain_text(value)
    if era_year < 1:
        raise CellError(
            _("%(value)s does not exist: era years start at 1 (元年).") % {"value": shown}
        )
    year = era.since.year + era_year - 1
    # 平成31年度 (from 1 April 2019) exists, though 令和 began in May; 平成32年度 does not.
    if era.until is not None and dt.date(year, 4, 1) >= era.until:
        raise CellError(
            _("%(value)s does not exist: %(era)s ended on %(until)s.")
            % {
                "value": shown,
                "era": era.kanji,
                "until": (era.until - dt.timedelta(days=1)).isoformat(),
            }
        )
    if western is not None and int(western) != year:
        raise CellError(
            _("%(value)s names two different fiscal years: %(label)s is %(year)s.")
            % {"value": shown, "label": fiscal_year_label(year), "year": year}
        )
    return year


def fiscal_year(
    value, *, minimum: int = 2000, maximum: int = 2100, required: bool = True
) -> int | None:
    """A fiscal year as its Western first year (April 2024 – March 2025 is 2024):
    ``2024``, ``2024年度``, ``令和6年度``, ``R6``, ``令和元年度``, full-width or 2024.0.

    A bare number must have four digits: ``6`` could be 令和6 or 平成6. A date cell is
    refused too: a fiscal year is not a day.
    """
    kind = type(value)
    if kind is str and len(value) == 4 and value.isascii() and value.isdigit():
        year = int(value)
    elif kind is int or (kind is float and value.is_integer()):
        if not 1000 <= value <= 9999:
            raise _not_a_fiscal_year(value)
        year = int(value)
    elif is_blank(value):
        return _when_blank(required, None)
    elif kind is str:
        year = _fiscal_year_of_text(value)
    else:
        raise _not_a_fiscal_year(value)
    if not minimum <= year <= maximum:
        raise CellError(
            _("%(value)s is not a fiscal year from %(minimum)s to %(maximum)s.")
            % {"value": plain_text(value), "minimum": minimum, "maximum": maximum}
        )
    return year


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _label_key(label: str) -> str:
    """NFKC, no whitespace anywhere, ASCII letters in lower case."""
    key = "".join(unicodedata.normalize("NFKC", label).split())
    return key.lower() if key.isascii() else key.translate(_ASCII_LOWER)


@functools.lru_cache(maxsize=64)
def _option_keys(items: tuple[tuple[str, str], ...]) -> tuple[dict[str, str], str]:
    """Normalised label → value, and the accepted labels to show (one per value)."""
    keys, shown = {}, {}
    for label, stored in items:
        key = _label_key(label)
        if keys.setdefault(key, stored) != stored:
            raise ValueError(f"Choice labels {label!r} and another read the same: {key!r}")
        shown.setdefault(stored, label)
    return keys, " / ".join(shown.values())


def choice(value, *, options: dict[str, str], required: bool = True) -> str:
    """The stored value for a label from ``options`` (label → value), however typed."""
    if type(value) is str and value in options:
        return options[value]
    label = plain_text(value)
    if not label:
        return _when_blank(required, "")
    keys, shown = _option_keys(tuple(options.items()))
    stored = keys.get(_label_key(label))
    if stored is None:
        raise CellError(
            _("%(value)s is not one of: %(choices)s.") % {"value": label, "choices": shown}
        )
    return stored
