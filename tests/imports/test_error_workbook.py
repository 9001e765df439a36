"""The error workbook: the uploaded ledger back, unchanged, with the reasons beside the rows."""

import datetime as dt
import zipfile
from urllib.parse import quote

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.utils import translation

from imports.error_workbook import ERROR_HEADER, error_workbook, error_workbook_response
from imports.kinds import KINDS
from imports.models import ImportIssue, LedgerImport
from imports.reader import open_ledger

pytestmark = pytest.mark.django_db

HEADER = [
    "納付番号",
    "サービスコード",
    "納付者番号",
    "金額",
    "納期限",
    "再発行回数",
    "確認番号",
    "eL-QR",
]
ROWS = [
    ["000000012345", "20001", "1234567890", 12300, dt.date(2025, 4, 30), 0, "123456", None],
    ["000000012346", "20001", "1234567891", -5, "2025/2/30", 1, None, "=1+1"],
    ["000000012347", "20001", "1234567892", 5000, dt.date(2025, 5, 31), 0, None, "+81 @x"],
    ["000000012348", "99999", "1234567893", 800, dt.date(2025, 5, 31), 2, None, "-12"],
    ["000000012349", "20001", "1234567894", 1.5, dt.date(2025, 6, 30), 0, None, None],
]


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


def workbook_bytes(tmp_path, sheets):
    """``sheets``: {name: {"A1": value, ...} or [row, ...]}; text is always stored as text."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, content in sheets.items():
        sheet = workbook.create_sheet(name)
        cells = content if isinstance(content, dict) else _grid(content)
        for ref, value in cells.items():
            sheet[ref] = value
            if isinstance(value, str):
                sheet[ref].data_type = "s"  # "=1+1" typed as text, as in Excel with '=1+1
    path = tmp_path / "upload.xlsx"
    workbook.save(path)
    return path.read_bytes()


def _grid(rows, first_column=1):
    return {
        f"{openpyxl.utils.get_column_letter(first_column + col)}{row}": value
        for row, values in enumerate(rows, start=1)
        for col, value in enumerate(values)
        if value is not None
    }


def slip_import(tmp_path, content, sheet_name="納付書", name="納付書_4月.xlsx"):
    return LedgerImport.objects.create(
        kind="slips",
        original_name=name,
        sheet_name=sheet_name,
        file=ContentFile(content, name="upload.xlsx"),
        invalid_count=2,
    )


def issue(ledger_import, row, column, message, sheet="納付書"):
    return ImportIssue.objects.create(
        ledger_import=ledger_import, sheet=sheet, row=row, column=column, message=message
    )


@pytest.fixture
def ledger(tmp_path):
    """A slip ledger with a title row above the header (row 2) and 5 slips (rows 3-7),
    two of them refused: row 4 for two reasons, row 6 for one."""
    rows = [["2025年4月 納付書一覧"], HEADER, *ROWS]
    content = workbook_bytes(tmp_path, {"納付書": rows, "メモ": {"A1": "not a ledger"}})
    ledger_import = slip_import(tmp_path, content)
    # Created out of order: the workbook still lists them in row order.
    issue(ledger_import, 6, "サービスコード", "No service has the code 99999.")
    issue(ledger_import, 4, "金額", "-5 is negative: an amount is whole yen of 0 or more.")
    issue(ledger_import, 4, "納期限", "2025/2/30 is not a date.")
    return ledger_import


def build(tmp_path, ledger_import):
    path = tmp_path / "errors.xlsx"
    path.write_bytes(error_workbook(ledger_import))
    return path


def test_every_cell_of_the_ledger_stays_in_place(tmp_path, ledger):
    original = openpyxl.load_workbook(ledger.file.path)["納付書"]
    result = openpyxl.load_workbook(build(tmp_path, ledger))

    assert result.sheetnames == ["納付書"]  # the other sheet (メモ) is not copied
    sheet = result["納付書"]
    assert sheet.max_row == 7
    for row in range(1, 8):
        for column in range(1, 9):
            assert sheet.cell(row, column).value == original.cell(row, column).value, (row, column)
    assert sheet["A3"].value == "000000012345"  # leading zeros: text stays text
    assert sheet["E3"].is_date
    assert sheet["D3"].value == 12300


def test_the_errors_are_beside_their_rows(tmp_path, ledger):
    sheet = openpyxl.load_workbook(build(tmp_path, ledger))["納付書"]

    assert sheet["I2"].value == ERROR_HEADER == "エラー"
    assert sheet["I1"].value is None
    assert sheet["I4"].value == (
        "金額: -5 is negative: an amount is whole yen of 0 or more.\n"
        "納期限: 2025/2/30 is not a date."
    )
    assert sheet["I6"].value == "サービスコード: No service has the code 99999."
    assert [sheet[f"I{row}"].value for row in (3, 5, 7)] == [None, None, None]
    for ref in ("I4", "I6"):
        assert sheet[ref].fill.fgColor.rgb == "FFFFC7CE"
        assert sheet[ref].alignment.wrap_text
    assert sheet.freeze_panes == "A3"


def test_text_that_looks_like_a_formula_stays_text(tmp_path, ledger):
    path = build(tmp_path, ledger)
    sheet = openpyxl.load_workbook(path)["納付書"]

    assert sheet["H4"].value == "=1+1"
    assert sheet["H4"].data_type == "s"
    assert sheet["H5"].value == "+81 @x"
    assert sheet["H6"].value == "-12"
    with zipfile.ZipFile(path) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


def test_the_fixed_file_reads_like_the_original(tmp_path, ledger):
    columns = KINDS["slips"].reader_columns()
    before = open_ledger(ledger.file.path, columns)
    after = open_ledger(build(tmp_path, ledger), columns)

    assert after.header_row == before.header_row == 2
    assert after.columns == before.columns
    assert list(after.rows()) == list(before.rows())


def test_the_error_column_follows_the_last_used_column_wherever_the_table_is(tmp_path):
    cells = _grid([["納付書"], HEADER, *ROWS], first_column=2)  # the table starts in B
    cells["L1"] = "作成: 税務課"  # a note right of the table widens the used range
    content = workbook_bytes(tmp_path, {"表紙": {"A1": "cover"}, "納付書データ": cells})
    ledger_import = slip_import(tmp_path, content, sheet_name="納付書データ")
    issue(ledger_import, 3, "金額", "Too large.", sheet="納付書データ")

    result = openpyxl.load_workbook(build(tmp_path, ledger_import))
    sheet = result["納付書データ"]

    assert result.sheetnames == ["納付書データ"]
    assert sheet["A2"].value is None
    assert sheet["B2"].value == "納付番号"
    assert sheet["L1"].value == "作成: 税務課"
    assert sheet["M2"].value == "エラー"
    assert sheet["M3"].value == "金額: Too large."
    assert sheet["M4"].value is None


def test_the_download_is_named_after_the_upload(ledger):
    response = error_workbook_response(ledger)

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        f'attachment; filename="import-{ledger.pk}-errors.xlsx"; '
        f"filename*=UTF-8''{quote('納付書_4月_エラー.xlsx')}"
    )
    assert response.content.startswith(b"PK")
