"""The dashboard's numbers as an Excel workbook, one sheet per table of the page.

Shares are real numbers formatted as percentages, so staff can chart and recompute them;
a share with nothing to divide by is an empty cell, never 0%. Text goes through
:func:`catalog.exports.write_table`, which neutralises anything a spreadsheet would run.
"""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from catalog.exports import write_table
from catalog.fiscal import fiscal_year_label
from kpis.dashboard import method_rows, reported_rows

PERCENT = "0.0%"
POINTS = "+0.0;-0.0;0.0"  # percentage points, signed as on the page
COUNT = "#,##0"
YEN = '"¥"#,##0'


def _totals_headers():
    return [
        _("Payments"),
        _("Amount"),
        _("Cashless payments"),
        _("Cashless amount"),
        _("Cashless (count)"),
        _("Cashless (amount)"),
        _("Outside the counter"),
        _("Assessed amount"),
        _("Collection rate"),
        _("On-time rate"),
    ]


_TOTALS_FORMATS = [COUNT, YEN, COUNT, YEN, PERCENT, PERCENT, PERCENT, YEN, PERCENT, PERCENT]


def _totals(totals):
    return [
        totals.count,
        totals.amount,
        totals.cashless_count,
        totals.cashless_amount,
        totals.cashless_share_count,
        totals.cashless_share_amount,
        totals.outside_share_count,
        totals.assessed or None,
        totals.collection_rate,
        totals.on_time_rate,
    ]


def _headline_rows(figures):
    for item in figures.headlines:
        yield [item.label, item.value, item.last_year, item.change, item.target]


def _trend_rows(figures):
    for year in figures.trend:
        yield [
            fiscal_year_label(year.fiscal_year, with_western=True),
            year.months,
            *_totals(year.totals),
            year.target,
        ]


def _group_rows(groups):
    for group in groups:
        yield [group.label, *_totals(group.totals)]


def _coverage_rows(rows):
    for row in rows:
        yield [row.label, row.services, row.cashless, row.share, row.any_channel, row.wider_share]


def _sheets(figures, waves):
    """``(title, headers, rows, formats)`` of each sheet, in the page's order."""
    totals = _totals_headers()
    coverage = [
        _("Services"),
        _("With a cashless channel"),
        _("Coverage"),
        _("With any channel"),
        _("Wider coverage"),
    ]
    coverage_formats = [None, COUNT, COUNT, PERCENT, COUNT, PERCENT]
    return [
        (
            _("Headline figures"),
            [
                _("Indicator"),
                fiscal_year_label(figures.periods.fiscal_year, with_western=True),
                _("Last year, same months"),
                _("Change (points)"),
                _("Target"),
            ],
            _headline_rows(figures),
            [None, PERCENT, PERCENT, POINTS, PERCENT],
        ),
        (
            _("Trend"),
            [_("Fiscal year"), _("Months"), *totals, _("Target")],
            _trend_rows(figures),
            [None, COUNT, *_TOTALS_FORMATS, PERCENT],
        ),
        (
            _("Reported figures"),
            [
                _("Fiscal year"),
                _("Scope"),
                _("Months"),
                _("Cashless payments"),
                _("Cashless amount"),
            ],
            (
                [r["year_label"], r["scope"], r["months"], r["count"], r["amount"]]
                for r in reported_rows(figures)
            ),
            [None, None, COUNT, COUNT, YEN],
        ),
        (
            _("By method"),
            [
                _("Payment method"),
                _("Class"),
                _("Payments"),
                _("Amount"),
                _("Share (count)"),
                _("Share (amount)"),
            ],
            (
                [
                    r["label"],
                    r["class_label"],
                    r["totals"].count,
                    r["totals"].amount,
                    r["count_share"],
                    r["amount_share"],
                ]
                for r in method_rows(figures)
            ),
            [None, None, COUNT, YEN, PERCENT, PERCENT],
        ),
        (
            _("By department"),
            [_("Department"), *totals],
            _group_rows(figures.by_department),
            [None, *_TOTALS_FORMATS],
        ),
        (
            _("By payment route"),
            [_("Payment route"), *totals],
            _group_rows(figures.by_route),
            [None, *_TOTALS_FORMATS],
        ),
        (
            _("By service"),
            [_("service"), *totals],
            _group_rows(figures.by_service),
            [None, *_TOTALS_FORMATS],
        ),
        (
            _("Coverage by route"),
            [_("Payment route"), *coverage],
            _coverage_rows(figures.coverage_by_route),
            coverage_formats,
        ),
        (
            _("Coverage by department"),
            [_("Department"), *coverage],
            _coverage_rows(figures.coverage_by_department),
            coverage_formats,
        ),
        (
            _("Rollout waves"),
            [_("Wave"), _("Current phase"), _("Late phases")],
            ([w.name, w.phase_label, "、".join(w.late_phases)] for w in waves),
            [None, None, None],
        ),
        (
            _("Below target"),
            [_("service"), _("Indicator"), _("Actual"), _("Target"), _("Gap (points)")],
            (
                [
                    f"{b.service.code} {b.service.name}",
                    str(b.metric_label),
                    b.value,
                    b.target,
                    b.gap,
                ]
                for b in figures.below_target
            ),
            [None, None, PERCENT, PERCENT, POINTS],
        ),
    ]


def kpi_workbook(figures, waves) -> bytes:
    """The dashboard of ``figures`` (and the ``waves``) as ``.xlsx`` bytes."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, headers, rows, formats in _sheets(figures, waves):
        sheet = workbook.create_sheet(title[:31])  # Excel's limit for sheet names
        write_table(sheet, headers, rows, formats)
        sheet.page_setup.orientation = "landscape"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
