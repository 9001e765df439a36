"""Fiscal years and era dates: every form staff type, and every impossible date refused."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from catalog.fiscal import (
    DateParseError,
    era_label,
    fiscal_year,
    fiscal_year_bounds,
    fiscal_year_label,
    parse_date,
    parse_year_month,
)

D = dt.date


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    "day, year",
    [
        (D(2024, 4, 1), 2024),
        (D(2025, 3, 31), 2024),
        (D(2024, 3, 31), 2023),
        (D(2024, 12, 31), 2024),
    ],
)
def test_fiscal_year_runs_april_to_march(day, year):
    assert fiscal_year(day) == year


def test_fiscal_year_bounds():
    assert fiscal_year_bounds(2024) == (D(2024, 4, 1), D(2025, 3, 31))


@pytest.mark.parametrize(
    "year, label",
    [
        (2024, "令和6年度"),
        (2019, "令和元年度"),
        (2018, "平成30年度"),
        (1989, "平成元年度"),
        (1988, "昭和63年度"),
        (1926, "大正15年度"),
        (2026, "令和8年度"),
    ],
)
def test_fiscal_year_labels(year, label):
    assert fiscal_year_label(year) == label


def test_fiscal_year_label_with_the_western_year():
    assert fiscal_year_label(2024, with_western=True) == "令和6年度 (2024)"


@pytest.mark.parametrize(
    "day, label",
    [
        (D(2024, 4, 1), "令和6年4月1日"),
        (D(2019, 5, 1), "令和元年5月1日"),
        (D(2019, 4, 30), "平成31年4月30日"),
        (D(1989, 1, 7), "昭和64年1月7日"),
        (D(1989, 1, 8), "平成元年1月8日"),
        (D(1926, 12, 25), "昭和元年12月25日"),
        (D(1912, 7, 29), "明治45年7月29日"),
    ],
)
def test_era_labels(day, label):
    assert era_label(day) == label


@pytest.mark.parametrize(
    "text, day",
    [
        ("令和6年4月1日", D(2024, 4, 1)),
        ("令和元年5月1日", D(2019, 5, 1)),
        ("R6.4.1", D(2024, 4, 1)),
        ("R06.04.01", D(2024, 4, 1)),
        ("r6.4.1", D(2024, 4, 1)),
        ("R6/4/1", D(2024, 4, 1)),
        ("R6-4-1", D(2024, 4, 1)),
        ("H31.4.30", D(2019, 4, 30)),
        ("S64.1.7", D(1989, 1, 7)),
        ("平成元年1月8日", D(1989, 1, 8)),
        ("2024/4/1", D(2024, 4, 1)),
        ("2024-04-01", D(2024, 4, 1)),
        ("2024.4.1", D(2024, 4, 1)),
        ("2024年4月1日", D(2024, 4, 1)),
        ("令和6年4月1", D(2024, 4, 1)),
        ("R6年4月1日", D(2024, 4, 1)),
        ("T15.12.24", D(1926, 12, 24)),
        ("大正元年7月30日", D(1912, 7, 30)),
        ("M45.7.29", D(1912, 7, 29)),
        ("R6ー4ー1", D(2024, 4, 1)),
        ("2024−04−01", D(2024, 4, 1)),
        ("２０２４－０４－０１", D(2024, 4, 1)),
        ("ｒ６．４．１", D(2024, 4, 1)),
        ("令和６年４月１日", D(2024, 4, 1)),
        ("Ｒ６．４．１", D(2024, 4, 1)),
        ("２０２４／４／１", D(2024, 4, 1)),
        ("\u3000令和6年4月1日 ", D(2024, 4, 1)),
        ("令和 6年 4月 1日", D(2024, 4, 1)),
        ("45383", D(2024, 4, 1)),
        ("４５３８３", D(2024, 4, 1)),
        ("45383.75", D(2024, 4, 1)),
    ],
)
def test_dates_as_staff_type_them(text, day):
    assert parse_date(text) == day


@pytest.mark.parametrize(
    "serial, day",
    [
        (45383, D(2024, 4, 1)),
        (45383.75, D(2024, 4, 1)),
        (1, D(1900, 1, 1)),
        (59, D(1900, 2, 28)),
        (61, D(1900, 3, 1)),
        (61.5, D(1900, 3, 1)),
        (2958465, D(9999, 12, 31)),
    ],
)
def test_excel_serial_dates(serial, day):
    assert parse_date(serial) == day


def test_date_objects_pass_through():
    assert parse_date(D(2024, 4, 1)) == D(2024, 4, 1)
    assert parse_date(dt.datetime(2024, 4, 1, 15, 30)) == D(2024, 4, 1)


@pytest.mark.parametrize(
    "value, says",
    [
        ("令和元年4月1日", "令和 began on 2019-05-01"),
        ("R1.4.30", "令和 began on 2019-05-01"),
        ("平成31年5月1日", "平成 ended on 2019-04-30"),
        ("S64.1.8", "昭和 ended on 1989-01-07"),
        ("T15.12.25", "大正 ended on 1926-12-24"),
        ("R6.2.30", "there is no such day"),
        ("2023/2/29", "there is no such day"),
        ("令和6年13月1日", "there is no such day"),
        ("令和0年1月1日", "era years start at 1"),
        ("20240401", "write it as 2024/4/1"),
        ("2024", "write it as 2024/4/1"),
        ("明日", "write it as 2024/4/1"),
        ("2024/4-1", "write it as 2024/4/1"),
        ("R6/4-1", "write it as 2024/4/1"),
        ("2024/4/1 12:00", "write it as 2024/4/1"),
        (True, "write it as 2024/4/1"),
        (Decimal("45383"), "write it as 2024/4/1"),
        (60, "not an Excel date serial"),
        (60.5, "not an Excel date serial"),
        ("00060", "not an Excel date serial"),
        (float("nan"), "not an Excel date serial"),
        (float("inf"), "not an Excel date serial"),
        (0, "not an Excel date serial"),
        (-3, "not an Excel date serial"),
        (2958466, "not an Excel date serial"),
        ("", "A date is missing"),
        ("\u3000", "A date is missing"),
        (None, "A date is missing"),
    ],
)
def test_impossible_dates_are_refused_with_the_reason(value, says):
    with pytest.raises(DateParseError) as refused:
        parse_date(value)
    assert says in str(refused.value)
    assert refused.value.value is value


def test_a_refusal_is_a_value_error():
    with pytest.raises(ValueError):
        parse_date("R6.2.30")


def test_the_refusal_names_the_value_in_japanese():
    with translation.override("ja"), pytest.raises(DateParseError) as refused:
        parse_date("令和元年4月1日")
    assert "令和元年4月1日" in str(refused.value)
    assert "令和" in str(refused.value) and "2019-05-01" in str(refused.value)


@pytest.mark.parametrize(
    "value, year_month",
    [
        ("2024-04", (2024, 4)),
        ("2024/4", (2024, 4)),
        ("2024年4月", (2024, 4)),
        ("令和6年4月", (2024, 4)),
        ("令和元年5月", (2019, 5)),
        ("平成31年4月", (2019, 4)),
        ("R6.4", (2024, 4)),
        ("２０２４年４月", (2024, 4)),
        (D(2024, 4, 17), (2024, 4)),
        ("２０２４－０４", (2024, 4)),
        ("R6/4", (2024, 4)),
        ("S64.1", (1989, 1)),
        ("平成元年1月", (1989, 1)),
        (D(2024, 4, 17), (2024, 4)),
        (dt.datetime(2024, 4, 17, 9, 0), (2024, 4)),
        (45383, (2024, 4)),
        (45383.75, (2024, 4)),
        ("45383", (2024, 4)),
    ],
)
def test_year_months_as_staff_type_them(value, year_month):
    assert parse_year_month(value) == year_month


@pytest.mark.parametrize(
    "value, says",
    [
        ("2024-13", "a month is 1 to 12"),
        ("2024-00", "a month is 1 to 12"),
        ("令和元年4月", "令和 began on 2019-05-01"),
        ("平成31年5月", "平成 ended on 2019-04-30"),
        ("令和0年4月", "era years start at 1"),
        ("四月", "write it as 2024-04"),
        ("2024/4/1", "write it as 2024-04"),
        (True, "write it as 2024-04"),
        (60, "not an Excel date serial"),
        ("", "A year and month are missing"),
        ("\u3000 ", "A year and month are missing"),
        (None, "A year and month are missing"),
    ],
)
def test_impossible_year_months_are_refused(value, says):
    with pytest.raises(DateParseError) as refused:
        parse_year_month(value)
    assert says in str(refused.value)
    assert refused.value.value is value


def test_every_day_round_trips_through_its_era_label_and_western_form():
    day = D(1989, 1, 8)
    while day <= D(2030, 12, 31):
        assert parse_date(era_label(day)) == day
        assert parse_date(day.strftime("%Y/%m/%d")) == day
        day += dt.timedelta(days=3)
