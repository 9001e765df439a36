"""Ledger cells as staff type them and Excel stores them: every accepted form, and refusals
that tell the clerk what was wrong."""

import datetime as dt

import pytest
from django.utils import translation

from imports import values
from imports.values import CellError

D = dt.date


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def refusal(function, value, **options) -> str:
    """The message a refused cell gets."""
    with pytest.raises(CellError) as caught:
        function(value, **options)
    assert str(caught.value) == str(caught.value.message)
    return str(caught.value)


@pytest.mark.parametrize("value", [None, "", " ", "\u3000", " \u3000\t "])
def test_blank_cells(value):
    assert values.is_blank(value)


@pytest.mark.parametrize("value", [0, 0.0, "0", "x", " x ", False])
def test_not_blank_cells(value):
    assert not values.is_blank(value)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("中央図書館", "中央図書館"),
        ("  中央図書館\u3000", "中央図書館"),
        ("ＡＢＣ　１２", "ＡＢＣ　１２"),  # free text keeps full-width as typed
        (12.0, "12"),
        (12, "12"),
        (12.5, "12.5"),
        (True, "TRUE"),
    ],
)
def test_text_strips_and_shows_numbers_as_excel_does(value, expected):
    assert values.text(value, max_length=20) == expected


def test_text_too_long_names_the_limit():
    message = refusal(values.text, "あいうえおか", max_length=5)
    assert "5" in message and "6" in message
    assert values.text("あいうえお", max_length=5) == "あいうえお"


@pytest.mark.parametrize("value", [None, "", "\u3000 "])
def test_text_blank(value):
    assert refusal(values.text, value, max_length=5) == "This cell is required."
    assert values.text(value, max_length=5, required=False) == ""


@pytest.mark.parametrize(
    "value",
    ["00123", "００１２３", " 00123 ", "\u300000123\u3000", 123.0, 123, "０0１2３"],
)
def test_code_keeps_or_restores_leading_zeros(value):
    assert values.code(value, length=5) == "00123"


@pytest.mark.parametrize("value, length", [(0.0, 3), (99999.0, 5), ("12345", 5), (7, 1)])
def test_code_edges(value, length):
    assert len(values.code(value, length=length)) == length


@pytest.mark.parametrize(
    "value, shown",
    [
        ("0123", "0123"),  # text of the wrong length: a typo, not a dropped zero
        ("001234", "001234"),
        ("12a45", "12a45"),
        ("12-45", "12-45"),
        ("٠٠١٢٣", "٠٠١٢٣"),  # Arabic-Indic digits are digits, but not ours
        (123456.0, "123456"),  # a number longer than the code
        (123.5, "123.5"),
        (-123.0, "-123"),
        (True, "TRUE"),
    ],
)
def test_code_refusals_name_the_value_and_give_an_example(value, shown):
    message = refusal(values.code, value, length=5)
    assert shown in message
    assert "exactly 5 digits" in message and "00123" in message


def test_code_example_fits_the_length():
    assert "e.g. 000123." in refusal(values.code, "1", length=6)
    assert "e.g. 123." in refusal(values.code, "1", length=3)


def test_code_blank():
    assert refusal(values.code, "", length=5) == "This cell is required."
    assert values.code(" ", length=5, required=False) == ""
    assert values.code(None, length=5, required=False) == ""


@pytest.mark.parametrize(
    "value, expected",
    [
        ("1234567", "1234567"),
        ("０１２３", "0123"),  # text keeps its zeros, unpadded
        (" 42 ", "42"),
        (42.0, "42"),
        (42, "42"),
        ("1", "1"),
        ("1234567890", "1234567890"),
    ],
)
def test_digits(value, expected):
    assert values.digits(value, max_length=10) == expected


@pytest.mark.parametrize("value", ["12345678901", "12-34", "A123", 42.5, -1.0, 12345678901.0])
def test_digits_refusals(value):
    message = refusal(values.digits, value, max_length=10)
    assert "10" in message


def test_digits_blank():
    assert refusal(values.digits, "  ", max_length=10) == "This cell is required."
    assert values.digits("", max_length=10, required=False) == ""


@pytest.mark.parametrize(
    "value",
    [
        1234,
        1234.0,
        "1234",
        "１２３４",
        "¥1,234",
        "￥1,234",
        "￥１，２３４",
        "\\1,234",
        "1,234円",
        "1,234 円",
        "1234円",
        " 1234 ",
        "\u30001234\u3000",
        "¥ 1,234",
        "¥1,234円",
        "1234.0",
        "1,234.00",
    ],
)
def test_amount_forms(value):
    assert values.amount(value) == 1234


@pytest.mark.parametrize("value, expected", [(0, 0), ("0", 0), ("0円", 0), ("1,000,000", 1000000)])
def test_amount_edges(value, expected):
    assert values.amount(value) == expected


@pytest.mark.parametrize(
    "value, shown, reason",
    [
        ("-5", "-5", "negative"),
        ("△5", "△5", "negative"),
        ("▲1,000", "▲1,000", "negative"),
        ("¥-1,234", "¥-1,234", "negative"),
        ("－５", "－５", "negative"),
        (-5.0, "-5", "negative"),
        (-5, "-5", "negative"),
        (12.5, "12.5", "fraction"),
        ("12.5", "12.5", "fraction"),
        ("1,234.50円", "1,234.50円", "fraction"),
        ("abc", "abc", "not an amount"),
        ("12,34", "12,34", "not an amount"),  # a comma that is not a thousands separator
        ("1 234", "1 234", "not an amount"),
        ("$1,234", "$1,234", "not an amount"),
        ("12.", "12.", "not an amount"),
        (float("nan"), "nan", "not an amount"),
        (float("inf"), "inf", "not an amount"),
        (True, "TRUE", "not an amount"),
        (D(2024, 4, 1), "2024-04-01", "not an amount"),
    ],
)
def test_amount_refusals_say_what_was_wrong(value, shown, reason):
    message = refusal(values.amount, value)
    assert shown in message
    assert reason in message


def test_amount_too_large_names_the_limit():
    message = refusal(values.amount, "100,001", max_value=100_000)
    assert "100,001" in message and "¥100,000" in message
    assert values.amount("100,000", max_value=100_000) == 100_000
    assert "too large" in refusal(values.amount, 100_000_000_000.0)


def test_amount_blank():
    assert refusal(values.amount, "") == "This cell is required."
    assert refusal(values.amount, None) == "This cell is required."
    assert values.amount("\u3000", required=False) is None


@pytest.mark.parametrize(
    "value", [1234, 1234.0, "1234", "1,234", "1,234件", "1,234 件", "１，２３４件", " 1234 "]
)
def test_count_forms(value):
    assert values.count(value) == 1234


@pytest.mark.parametrize(
    "value, reason",
    [
        ("-1", "negative"),
        ("△1", "negative"),
        (1.5, "fraction"),
        ("1.5件", "fraction"),
        ("十件", "not a count"),
        ("¥1,234", "not a count"),
        ("1,234円", "not a count"),
    ],
)
def test_count_refusals(value, reason):
    message = refusal(values.count, value)
    assert reason in message and str(value) in message


def test_count_limit_and_blank():
    assert "too large" in refusal(values.count, "11", max_value=10)
    assert values.count("", required=False) is None
    assert refusal(values.count, "") == "This cell is required."


@pytest.mark.parametrize(
    "value",
    [
        D(2024, 4, 30),
        dt.datetime(2024, 4, 30, 0, 0),
        dt.datetime(2024, 4, 30, 13, 45),
        45412.0,
        45412,
        45412.5,  # a time of day is dropped
        "45412",
        "令和6年4月30日",
        "令和６年４月３０日",
        "R6.4.30",
        "R06.04.30",
        "Ｒ６．４．３０",
        "r6.4.30",
        "2024/4/30",
        "2024/04/30",
        "2024-04-30",
        "２０２４／４／３０",
        " 2024/4/30\u3000",
    ],
)
def test_date_forms(value):
    assert values.date(value) == D(2024, 4, 30)


@pytest.mark.parametrize(
    "value, shown",
    [
        ("令和元年4月1日", "令和元年4月1日"),  # Reiwa began on 1 May 2019
        ("R6.2.30", "R6.2.30"),
        ("20240430", "20240430"),
        ("来週", "来週"),
        (0.0, "0.0"),
        (True, "True"),
        (dt.time(9, 30), "09:30:00"),
    ],
)
def test_date_refusals_name_the_value(value, shown):
    assert shown in refusal(values.date, value)


@pytest.mark.parametrize("value", [None, "", "\u3000"])
def test_date_is_required(value):
    assert refusal(values.date, value) == "A date is missing."


@pytest.mark.parametrize(
    "value",
    [
        "2024-04",
        "2024-4",
        "2024/4",
        "2024年4月",
        "２０２４年４月",
        "令和6年4月",
        "R6.4",
        " 令和６年４月\u3000",
        D(2024, 4, 1),  # Excel turns a typed 2024-04 into the first of the month
        D(2024, 4, 17),
        dt.datetime(2024, 4, 1, 0, 0),
        45383.0,  # 2024-04-01 as a serial
        45383,
    ],
)
def test_year_month_forms(value):
    assert values.year_month(value) == D(2024, 4, 1)


@pytest.mark.parametrize(
    "value, shown",
    [("2024-13", "2024-13"), ("令和元年4月", "令和元年4月"), ("April", "April"), ("", "missing")],
)
def test_year_month_refusals(value, shown):
    assert shown in refusal(values.year_month, value)


PAYMENT_METHODS = {
    "現金": "cash",
    "cash": "cash",
    "1": "cash",
    "口座振替": "direct_debit",
    "口振": "direct_debit",
    "2": "direct_debit",
    "コンビニ": "convenience_store",
    "CVS": "convenience_store",
    "3": "convenience_store",
}


@pytest.mark.parametrize(
    "value, expected",
    [
        ("現金", "cash"),
        (" 現金\u3000", "cash"),
        ("CASH", "cash"),
        ("Ｃａｓｈ", "cash"),
        ("口座 振替", "direct_debit"),
        ("口座\u3000振替", "direct_debit"),
        ("口振", "direct_debit"),
        (2.0, "direct_debit"),
        (2, "direct_debit"),
        ("２", "direct_debit"),
        ("ｺﾝﾋﾞﾆ", "convenience_store"),  # half-width katakana
        ("cvs", "convenience_store"),
    ],
)
def test_choice_forms(value, expected):
    assert values.choice(value, options=PAYMENT_METHODS) == expected


@pytest.mark.parametrize("value", ["クレジット", "4", 4.0, "現 金 払い"])
def test_choice_unknown_names_the_value_and_the_choices(value):
    message = refusal(values.choice, value, options=PAYMENT_METHODS)
    assert values.text(value, max_length=20) in message
    assert "現金" in message and "口座振替" in message and "コンビニ" in message
    assert "口振" not in message  # one label for each stored value is enough


def test_choice_blank():
    assert refusal(values.choice, " ", options=PAYMENT_METHODS) == "This cell is required."
    assert values.choice("", options=PAYMENT_METHODS, required=False) == ""


def test_choice_labels_that_read_the_same_are_a_configuration_error():
    with pytest.raises(ValueError, match="read the same"):
        values.choice("x", options={"ABC": "a", "abc": "b"})


@pytest.mark.parametrize(
    "value, expected", [(0, 0), (0.0, 0), ("0", 0), ("９", 9), (3, 3), (" 3 ", 3), ("3.0", 3)]
)
def test_integer_in_range(value, expected):
    assert values.integer_in_range(value, minimum=0, maximum=9) == expected


@pytest.mark.parametrize("value", ["10", 10.0, "-1", -1, 1.5, "x", "1件"])
def test_integer_in_range_refusals(value):
    message = refusal(values.integer_in_range, value, minimum=0, maximum=9)
    assert "from 0 to 9" in message


def test_integer_in_range_blank():
    assert values.integer_in_range("", minimum=0, maximum=9, required=False, default=0) == 0
    assert values.integer_in_range(None, minimum=0, maximum=9, required=False) is None
    assert refusal(values.integer_in_range, "", minimum=0, maximum=9) == "This cell is required."
    assert values.integer_in_range("-3", minimum=-5, maximum=5) == -3


@pytest.mark.parametrize(
    "value",
    [
        2024,
        2024.0,
        "2024",
        " 2024 ",
        "２０２４",
        "2024年",
        "2024年度",
        "２０２４年度",
        "FY2024",
        "令和6年度",
        "令和６年度",
        "令和6年",
        "令和6",
        "R6",
        "r6",
        "R06",
        "Ｒ６年度",
        "令和6年度 (2024)",  # as the screens show it
        "令和６年度（２０２４）",
    ],
)
def test_fiscal_year_forms(value):
    assert values.fiscal_year(value) == 2024


@pytest.mark.parametrize(
    "value, expected",
    [
        ("令和元年度", 2019),
        ("R1", 2019),
        ("平成31年度", 2019),  # April 2019 was still 平成
        ("H30", 2018),
        ("2000", 2000),
        (2100.0, 2100),
    ],
)
def test_fiscal_year_eras_and_edges(value, expected):
    assert values.fiscal_year(value) == expected


@pytest.mark.parametrize(
    "value, reason",
    [
        ("1999", "from 2000 to 2100"),
        (2101, "from 2000 to 2100"),
        ("H10", "from 2000 to 2100"),
        (6, "write it as 2024, 2024年度, 令和6年度 or R6"),  # 令和6 or 平成6?
        ("6", "write it as 2024"),
        (24.0, "write it as 2024"),
        (2024.5, "write it as 2024"),
        (-2024, "write it as 2024"),
        ("2024-04", "write it as 2024"),
        ("今年度", "write it as 2024"),
        (D(2024, 4, 1), "write it as 2024"),  # a day is not a fiscal year
        (True, "write it as 2024"),
        ("平成32年度", "平成 ended on 2019-04-30"),
        ("昭和64年度", "昭和 ended on 1989-01-07"),
        ("R0", "era years start at 1"),
        ("令和6年度 (2023)", "two different fiscal years: 令和6年度 is 2024"),
    ],
)
def test_fiscal_year_refusals_name_the_value_and_why(value, reason):
    message = refusal(values.fiscal_year, value)
    assert values.plain_text(value) in message
    assert reason in message


def test_fiscal_year_bounds_and_blank():
    assert values.fiscal_year("1999", minimum=1990, maximum=2000) == 1999
    assert "from 1990 to 2000" in refusal(values.fiscal_year, "R6", minimum=1990, maximum=2000)
    assert refusal(values.fiscal_year, "\u3000") == "This cell is required."
    assert values.fiscal_year(None, required=False) is None
