"""The rollout timeline as an Excel workbook: the chart's table, a row per scheduled phase,
for staff who keep the schedule in their own spreadsheets.

Months are real dates shown as ``2024年4月`` and days as ``2024/4/1``, so Excel can sort
and filter them; text goes through :func:`catalog.exports.neutralise`, since a wave's name
is typed by staff and must never run as a formula.
"""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from catalog.exports import write_table

MONTH_FORMAT = 'yyyy"年"m"月"'
DAY_FORMAT = "yyyy/m/d"


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


def timeline_workbook(timeline) -> bytes:
    """The timeline's table as ``.xlsx`` bytes: one sheet 導入スケジュール, a bold frozen
    header row, then a row per scheduled phase (a wave without a schedule gets one row)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Rollout timeline")[:31]  # Excel's limit for sheet names
    write_table(sheet, _headers(), _rows(timeline), _FORMATS)
    sheet.page_setup.orientation = "landscape"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
