"""The uploaded ledger given back with its errors beside the rows (エラー一覧付きの台帳).

The clerk fixes the rows in this copy and uploads the whole file again: every row of the
ledger sheet is kept where it was (the rows above the header, the header, and the rows
without errors, which an import of the same values leaves unchanged), and one column
"エラー" is added after the last used column, holding each refused row's reasons as
"column: reason" lines on a red fill. The importer ignores that column when it reads the
file again.

A 100,000-row ledger must not need gigabytes, so neither the original nor the copy is
ever held whole: the sheet is streamed twice with :mod:`imports.xlsx` (once to find the
header row and the last used column, where the error column goes; once to copy it), and
openpyxl's write-only mode streams the copy to a temporary file, while the issues, ordered
by row, are merged in as the rows go by. What is copied is the values only, every cell in
its place (the rows the sheet leaves out are written empty): formulas become their last
computed values, formatting is not kept (code columns get the ledger's number formats back,
so codes typed during the fix keep their leading zeros), and other sheets of the original
are left out.
"""

import datetime as dt
import io
import re
from pathlib import PurePath

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from catalog.exports import FORMULA_STARTS, xlsx_response
from imports import xlsx
from imports.kinds import kind_for
from imports.reader import HEADER_SEARCH_ROWS, normalise_header
from imports.storage import local_path

ERROR_HEADER = "エラー"
_ERROR_FILL = PatternFill("solid", fgColor="FFFFC7CE")  # Excel's "bad" red
_ERROR_FONT = Font(color="FF9C0006")
_ERROR_ALIGNMENT = Alignment(wrap_text=True, vertical="top")
_DATE_FORMAT = "yyyy/mm/dd"
_DATETIME_FORMAT = "yyyy/mm/dd hh:mm:ss"
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f\\/:*?"<>|]+')


def error_workbook(ledger_import) -> bytes:
    """The ledger sheet of ``ledger_import`` with the column "エラー" added, as ``.xlsx``.

    Only the sheet the import read (``ledger_import.sheet_name``) is copied, values in
    the same cells; its other sheets are not.
    """
    kind = kind_for(ledger_import.kind)
    with local_path(ledger_import.file) as path:
        source = xlsx.Workbook(path)
        ledger = next((s for s in source.sheets if s.name == ledger_import.sheet_name), None)
        if ledger is None:
            raise xlsx.XlsxError(f"no sheet {ledger_import.sheet_name!r}")
        header_row, positions, last_column = _survey(source, ledger, kind)
        error_column = last_column + 1  # 0-based, after the last used

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(ledger_import.sheet_name)
        _format_columns(sheet, kind, positions, error_column)
        if header_row:
            sheet.freeze_panes = f"A{header_row + 1}"

        issues = _issue_lines(ledger_import)
        pending = next(issues, None)
        for excel_row, cells in _in_place(source.rows(ledger)):
            row = [None] * (max(cells) + 1) if cells else []
            for column, value in cells.items():
                row[column] = _cell(sheet, value)
            errors = []
            while pending is not None and pending[0] <= excel_row:
                if pending[0] == excel_row:
                    errors.append(pending[1])
                pending = next(issues, None)
            if excel_row == header_row:
                row.extend([None] * (error_column - len(row)))
                row.append(_error_cell(sheet, ERROR_HEADER, bold=True))
            elif errors:
                row.extend([None] * (error_column - len(row)))
                row.append(_error_cell(sheet, "\n".join(errors)))
            sheet.append(row)

        buffer = io.BytesIO()
        workbook.save(buffer)
    return buffer.getvalue()


def error_workbook_response(ledger_import):
    """The error workbook as a download named after the upload: ``<name>_エラー.xlsx``."""
    stem = _UNSAFE_NAME.sub("_", PurePath(ledger_import.original_name).stem).strip(" ._")
    return xlsx_response(
        error_workbook(ledger_import),
        filename=f"{stem or f'import-{ledger_import.pk}'}_エラー.xlsx",
        fallback=f"import-{ledger_import.pk}-errors.xlsx",
    )


def _survey(source, sheet, kind):
    """Read ``sheet`` through once: its header row as the reader finds it (the first of
    the first rows holding every required column; None if none does), ``{column: 0-based
    index}`` of the kind's columns in it, and the 0-based index of its last used column
    (-1 if it holds nothing)."""
    wanted = {}
    for column in kind.columns:
        for text in (column.header, *column.aliases):
            wanted.setdefault(normalise_header(text), column)
    required = {column.key for column in kind.columns if column.required}
    header_row, positions, last_column = None, {}, -1
    for excel_row, cells in source.rows(sheet):
        last_column = max(last_column, max(cells))
        if header_row is not None or excel_row > HEADER_SEARCH_ROWS:
            continue
        found = {}
        for index, value in sorted(cells.items()):
            column = wanted.get(normalise_header(value)) if isinstance(value, str) else None
            if column is not None:
                found.setdefault(column, index)
        if found and required <= {column.key for column in found}:
            header_row, positions = excel_row, found
    return header_row, positions, last_column


def _in_place(rows):
    """``(excel_row, cells)`` for every row from 1 to the last of ``rows``, with
    ``{}`` for those the sheet leaves out, as the write-only sheet numbers its rows. A row
    out of order (which no spreadsheet writes) goes to the next row rather than be lost."""
    written = 0
    for excel_row, cells in rows:
        while written + 1 < excel_row:
            written += 1
            yield written, {}
        written += 1
        yield written, cells


def _format_columns(sheet, kind, positions, error_column):
    """Widths and number formats of the ledger's columns (text for codes, so a code typed
    while fixing a row keeps its leading zeros) and a wide error column."""
    for column, index in positions.items():
        dimension = sheet.column_dimensions[get_column_letter(index + 1)]
        dimension.width = column.width
        dimension.number_format = column.number_format
    sheet.column_dimensions[get_column_letter(error_column + 1)].width = 60


def _issue_lines(ledger_import):
    """``(row, "column: reason")`` for every issue, in row order, streamed."""
    issues = ledger_import.issues.order_by("row", "pk").values_list("row", "column", "message")
    for row, column, message in issues.iterator(chunk_size=2000):
        line = (
            _("%(column)s: %(message)s") % {"column": column, "message": message}
            if column
            else message
        )
        yield row, line


def _cell(sheet, value):
    """A value as written back: empty stays empty, text stays text (never a formula),
    whole numbers as integers and dates with a date format."""
    kind = type(value)
    if kind is str:
        if not value:
            return None
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_STARTS):
            return _text_cell(sheet, value)
        return value
    if kind is float:
        return int(value) if value.is_integer() else value
    if kind is dt.datetime or kind is dt.date:
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = _DATE_FORMAT if kind is dt.date else _DATETIME_FORMAT
        return cell
    return value


def _text_cell(sheet, text):
    # openpyxl takes a string starting with "=" for a formula; a cell whose type is forced
    # to text is written as the characters the clerk typed, and Excel runs nothing.
    cell = WriteOnlyCell(sheet, text)
    cell.data_type = "s"
    return cell


def _error_cell(sheet, text, *, bold=False):
    cell = _text_cell(sheet, ILLEGAL_CHARACTERS_RE.sub("", text))
    cell.fill = _ERROR_FILL
    cell.font = Font(bold=True, color=_ERROR_FONT.color) if bold else _ERROR_FONT
    cell.alignment = _ERROR_ALIGNMENT
    return cell
