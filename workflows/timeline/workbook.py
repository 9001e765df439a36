"""The rollout timeline as an Excel workbook: the chart's table, a row per scheduled phase,
for staff who keep the schedule in their own spreadsheets.

Months are real dates shown as ``2024年4月`` and days as ``2024/4/1``, so Excel can sort
and filter them; text goes through :func:`catalog.exports.neutralise`, since a wave's name
is typed by staff and must never run as a formula.
"""

import io
import unicodedata

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from catalog.exports import neutralise

MONTH_FORMAT = 'yyyy"年"m"月"'
DAY_FORMAT = "yyyy/m/d"
MAX_TEXT_WIDTH = 60


def _headers():
    return [
        _("Rollout wave"),
        _("Phase"),
        _("Planned start"),
        _("Planned end"),
        _("Actual start"),
        _("Actual end"),
        _("Status"),
    ]


# The number format of each column; None for text.
_FORMATS = [None, None, MONTH_FORMAT, MONTH_FORMAT, DAY_FORMAT, DAY_FORMAT, None]


def _rows(timeline):
    for group in timeline.groups:
        if not group.rows:
            yield [group.wave, None, None, None, None, None, _("No schedule yet")]
        for row in group.rows:
            yield [
                row.wave,
                row.phase_label,
                row.planned_start,
                row.planned_end,
                row.actual_start,
                row.actual_end,
                row.status,
            ]


def _width(value):
    """Roughly how many columns of Excel's width ``value`` takes (full-width counts 2)."""
    if value is None:
        return 0
    if not isinstance(value, str):
        return 10
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in value)


def timeline_workbook(timeline) -> bytes:
    """The timeline's table as ``.xlsx`` bytes: one sheet 導入スケジュール, a bold frozen
    header row, then a row per scheduled phase (a wave without a schedule gets one row)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Rollout timeline")[:31]  # Excel's limit for sheet names
    headers = _headers()
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [_width(header) for header in headers]
    for values in _rows(timeline):
        sheet.append([neutralise(value) for value in values])
        for column, (value, number_format) in enumerate(zip(values, _FORMATS, strict=True)):
            widths[column] = max(widths[column], _width(value))
            if number_format and value is not None:
                sheet.cell(row=sheet.max_row, column=column + 1).number_format = number_format
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(width, MAX_TEXT_WIDTH) + 3
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
