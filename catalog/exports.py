"""Listing exports that Japanese staff can open safely in Excel.

Wagtail's listing export writes UTF-8 CSV without a byte order mark, which Excel in Japan
reads as Shift_JIS (mojibake), and leaves text that starts like a formula as it is, which
a spreadsheet may run (CSV injection). This mixin fixes both for every listing: CSV in
UTF-8 with a BOM, or CP932 (Shift_JIS) on request, and every text cell that begins with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return prefixed with ``'`` so it stays text.
"""

import unicodedata
from urllib.parse import quote

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from wagtail.admin.widgets.button import Button

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
UTF8_BOM = "\ufeff".encode()


def neutralise(value):
    """``value`` with a leading ``'`` when it is text a spreadsheet would read as a
    formula; numbers and everything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


MAX_COLUMN_WIDTH = 60
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, *, filename: str, fallback: str | None = None) -> HttpResponse:
    """An ``.xlsx`` attachment named ``filename`` (UTF-8, RFC 5987) with an ASCII
    ``fallback`` for clients that do not read ``filename*`` (``filename`` itself when it is
    ASCII already)."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="{fallback or filename}"; '
        f"filename*=UTF-8''{quote(filename, safe='')}"
    )
    return response


def cell_width(value):
    """Roughly how many columns of Excel's width ``value`` takes (full-width counts 2)."""
    if value is None:
        return 0
    if not isinstance(value, str):
        return 10
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in value)


def write_table(sheet, headers, rows, formats):
    """Fill an openpyxl ``sheet`` with a table staff can sort, filter and print: a bold,
    frozen header row repeated on every printed page, then ``rows``, text neutralised.

    ``formats`` holds each column's Excel number format (``None`` for none); an empty
    value (``None``) stays an empty cell, so an unknown figure never reads as zero.
    """
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [cell_width(header) for header in headers]
    for values in rows:
        sheet.append([neutralise(value) for value in values])
        for column, (value, number_format) in enumerate(zip(values, formats, strict=True)):
            widths[column] = max(widths[column], cell_width(value))
            if number_format and value is not None:
                sheet.cell(row=sheet.max_row, column=column + 1).number_format = number_format
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(width, MAX_COLUMN_WIDTH) + 3
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    sheet.print_title_rows = "1:1"


class SafeSpreadsheetExportMixin:
    """For a Wagtail index view: neutralised cells, CSV with a BOM, and a CP932 CSV."""

    FORMAT_CSV_CP932 = "csv-cp932"
    FORMATS = ("xlsx", "csv", FORMAT_CSV_CP932)

    def preprocess_field_value(self, field, value, export_format):
        return neutralise(super().preprocess_field_value(field, value, export_format))

    def write_csv_response(self, queryset, encoding="utf-8"):
        rows = self.stream_csv(queryset)  # UTF-8 bytes, a row at a time
        if encoding == "utf-8":
            chunks = _with_bom(rows)
        else:
            # A character CP932 lacks becomes "?"; the UTF-8 file keeps every one.
            chunks = (row.decode("utf-8").encode(encoding, errors="replace") for row in rows)
        response = StreamingHttpResponse(chunks, content_type=f"text/csv; charset={encoding}")
        response["Content-Disposition"] = f'attachment; filename="{self.get_filename()}.csv"'
        return response

    def as_spreadsheet(self, queryset, spreadsheet_format):
        if spreadsheet_format == self.FORMAT_CSV_CP932:
            return self.write_csv_response(queryset, encoding="cp932")
        return super().as_spreadsheet(queryset, spreadsheet_format)

    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons.copy()
        if self.show_export_buttons:
            buttons.append(
                Button(
                    _("Download CSV (Shift_JIS)"),
                    url=self.get_export_url(self.FORMAT_CSV_CP932),
                    icon_name="download",
                    priority=110,
                )
            )
        return buttons


def _with_bom(rows):
    yield UTF8_BOM
    yield from rows
