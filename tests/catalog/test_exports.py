"""Listing exports open safely in Excel: UTF-8 CSV with a BOM (or CP932 on request), and
text that looks like a formula stays text."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from catalog.exports import neutralise
from catalog.models import ReportedFigure, Service


def export(client, model, export_format):
    url = reverse(model.snippet_viewset.get_url_name("list")) + f"?export={export_format}"
    response = client.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(data, encoding):
    return list(csv.reader(io.StringIO(data.decode(encoding))))


@pytest.fixture
def as_finance(client, finance):
    client.force_login(finance)
    return client


@pytest.fixture
def risky(make_service):
    """A service whose name and notes a spreadsheet would otherwise run as formulas."""
    return make_service(name='=HYPERLINK("http://example.com","出島")', notes="@SUM(A1)")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+81-95-822-8888", "'+81-95-822-8888"),
        ("-3", "'-3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("出島 入場料", "出島 入場料"),
        ("a=b", "a=b"),
        (520, 520),
        (None, None),
    ],
)
def test_text_that_starts_like_a_formula_is_prefixed(value, expected):
    assert neutralise(value) == expected


def test_csv_has_a_bom_and_keeps_formulas_as_text(as_finance, risky):
    data = export(as_finance, Service, "csv")

    assert data.startswith("\ufeff".encode())  # Excel in Japan then reads it as UTF-8
    rows = csv_rows(data, "utf-8-sig")
    row = next(row for row in rows if row[0] == risky.code)
    assert row[1] == '\'=HYPERLINK("http://example.com","出島")'
    assert "'@SUM(A1)" in row


def test_xlsx_keeps_formulas_as_text_and_numbers_as_numbers(as_finance, risky):
    risky.standard_amount = 520
    risky.save()

    sheet = openpyxl.load_workbook(io.BytesIO(export(as_finance, Service, "xlsx"))).active
    row = next(row for row in sheet.iter_rows() if row[0].value == risky.code)

    assert row[1].value == '\'=HYPERLINK("http://example.com","出島")'
    assert row[1].data_type == "s"
    assert 520 in [cell.value for cell in row]


def test_csv_in_shift_jis_on_request(as_finance, make_service):
    kept = make_service(name="出島 入場料（一般）")
    lossy = make_service(name="𠮷野家前 駐車場")  # 𠮷 is not in CP932

    rows = csv_rows(export(as_finance, Service, "csv-cp932"), "cp932")

    names = {row[0]: row[1] for row in rows[1:]}
    assert names[kept.code] == "出島 入場料（一般）"
    assert names[lossy.code] == "?野家前 駐車場"


def test_every_listing_offers_the_shift_jis_csv(as_finance):
    for model in (Service, ReportedFigure):
        url = reverse(model.snippet_viewset.get_url_name("list"))
        html = as_finance.get(url).content.decode()
        assert "CSV（Shift_JIS）をダウンロード" in html
        assert "export=csv-cp932" in html
