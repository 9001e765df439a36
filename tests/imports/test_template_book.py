"""The ledger templates: they re-import as they are, and guide the clerk filling them in."""

import datetime as dt
from urllib.parse import quote

import openpyxl
import pytest
from django.utils import translation

from channels.models import PaymentMethod
from imports.kinds import KINDS
from imports.reader import open_ledger
from imports.template_book import (
    INSTRUCTIONS_SHEET,
    OPTIONS_SHEET,
    template_response,
    template_workbook,
)

# The collection ledger's drop-down lists the payment methods, which live in the database.
ALL_KINDS = [
    pytest.param(code, marks=[pytest.mark.django_db] if code == "collections" else [])
    for code in KINDS
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def saved(tmp_path, code):
    path = tmp_path / f"template-{code}.xlsx"
    path.write_bytes(template_workbook(KINDS[code]))
    return path


@pytest.mark.parametrize("code", ALL_KINDS)
def test_the_template_reimports_with_its_example_row(tmp_path, code):
    kind = KINDS[code]
    ledger = open_ledger(saved(tmp_path, code), kind.reader_columns())

    assert ledger.name == kind.title
    assert ledger.header_row == 1
    assert ledger.columns == {column.key: index for index, column in enumerate(kind.columns)}
    assert ledger.headers == {column.key: column.header for column in kind.columns}
    [(excel_row, cells)] = list(ledger.rows())
    assert excel_row == 2
    for column in kind.columns:
        raw = cells[column.key]
        if code == "collections" and column.key == "method":
            assert raw == column.example  # read against the database's methods on import
        else:
            assert column.parse(raw) == column.parse(column.example), column.key


@pytest.mark.parametrize("code", ALL_KINDS)
def test_the_ledger_sheet_keeps_codes_as_text_and_dates_as_dates(tmp_path, code):
    kind = KINDS[code]
    sheet = openpyxl.load_workbook(saved(tmp_path, code))[kind.title]

    assert sheet.freeze_panes == "A2"
    for index, column in enumerate(kind.columns, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        assert sheet.column_dimensions[letter].number_format == column.number_format
        assert sheet.column_dimensions[letter].width == column.width
        example = sheet.cell(row=2, column=index)
        if column.number_format == "@" and column.example != "":
            assert example.value == str(column.example)  # "0101" keeps its zero
            assert example.data_type == "s"
    required = {
        sheet.cell(row=1, column=i).fill.fgColor.rgb
        for i, c in enumerate(kind.columns, start=1)
        if c.required
    }
    optional = {
        sheet.cell(row=1, column=i).fill.fgColor.rgb
        for i, c in enumerate(kind.columns, start=1)
        if not c.required
    }
    assert len(required) == 1
    assert not required & optional


def test_a_slip_template_has_a_real_date_in_its_date_column(tmp_path):
    sheet = openpyxl.load_workbook(saved(tmp_path, "slips"))["納付書"]
    due = sheet["E2"]

    assert sheet["E1"].value == "納期限"
    assert due.is_date
    assert due.value == dt.datetime(2025, 4, 30)
    assert due.number_format == "yyyy/mm/dd"


def test_drop_downs_list_their_options_on_a_hidden_sheet(tmp_path):
    workbook = openpyxl.load_workbook(saved(tmp_path, "facilities"))
    sheet, choices = workbook["施設一覧"], workbook[OPTIONS_SHEET]

    assert workbook.sheetnames[0] == "施設一覧"
    assert choices.sheet_state == "hidden"
    [validation] = sheet.data_validations.dataValidation
    assert validation.type == "list"
    assert str(validation.sqref) == "C2:C10000"  # 運営形態
    assert validation.formula1 == f"'{OPTIONS_SHEET}'!$A$2:$A$3"
    assert validation.showErrorMessage
    assert validation.error == "Choose a value from the drop-down list."
    assert [choices["A1"].value, choices["A2"].value, choices["A3"].value] == [
        "運営形態",
        "直営",
        "指定管理",
    ]


@pytest.mark.django_db
def test_the_payment_method_drop_down_comes_from_the_database(tmp_path):
    PaymentMethod.objects.filter(code="credit_card").update(name="クレジットカード決済")
    workbook = openpyxl.load_workbook(saved(tmp_path, "collections"))
    [validation] = workbook["収納実績"].data_validations.dataValidation
    choices = workbook[OPTIONS_SHEET]
    listed = [row[0] for row in choices.iter_rows(min_row=2, values_only=True)]

    assert str(validation.sqref) == "C2:C10000"  # 決済手段
    assert validation.formula1 == f"'{OPTIONS_SHEET}'!$A$2:$A${len(listed) + 1}"
    assert sorted(listed) == sorted(PaymentMethod.objects.values_list("name", flat=True))
    assert "クレジットカード決済" in listed


def test_the_instructions_explain_every_column(tmp_path):
    kind = KINDS["services"]
    sheet = openpyxl.load_workbook(saved(tmp_path, "services"))[INSTRUCTIONS_SHEET]
    text = "\n".join(
        str(value) for row in sheet.iter_rows(values_only=True) for value in row if value
    )
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True) if row[0]}

    assert "Row 2 is an example: overwrite it or delete it." in text
    assert "Nothing is imported until you have checked the preview and confirmed it." in text
    assert "Importing the same file again changes nothing." in text
    assert "leading zeros" in text
    assert "部署コード、サービスコード、サービス名、種別、収納方法、施設コード、標準金額" in text
    assert rows["サービスコード"][1:] == (
        "Required",
        "5 digits, leading zeros included; it identifies the service.",
        "e.g. 10001",
    )
    assert rows["備考"][1] == "Optional"
    assert rows["収納方法"][3] == " / ".join(
        str(label) for label in KINDS["services"].column("route").options()
    )
    assert all(column.header in rows for column in kind.columns)


def test_the_download_is_named_after_the_ledger():
    response = template_response(KINDS["services"])

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="template-services.xlsx"; '
        f"filename*=UTF-8''{quote('収納対象一覧_テンプレート.xlsx')}"
    )
    assert response.content.startswith(b"PK")
