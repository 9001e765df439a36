"""The dashboard as the screen shows it: the figures, their charts and the waves.

The home panel and the full page (:mod:`kpis.views`) render the same context, so the two
never disagree; the workbook (:mod:`kpis.workbook`) reads the same
:class:`~kpis.figures.Figures`.
"""

from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from catalog.fiscal import fiscal_year_label
from kpis.charts import Bar, Series, TargetLine, bar_chart, trend_chart
from kpis.figures import ratio
from kpis.selectors import dashboard_figures, wave_statuses


def _trend_svg(figures):
    trend = figures.trend
    categories = [f"{fiscal_year_label(year.fiscal_year)}\n({year.fiscal_year})" for year in trend]
    targets = tuple(year.target for year in trend)
    target = TargetLine(values=targets, label=figures.target_label) if any(targets) else None
    return trend_chart(
        title=_("Cashless share by fiscal year"),
        categories=categories,
        series=[
            Series(
                _("By amount"),
                tuple(year.totals.cashless_share_amount for year in trend),
                "solid",
            ),
            Series(
                _("By count"), tuple(year.totals.cashless_share_count for year in trend), "dashed"
            ),
        ],
        target=target,
        partial=[0 < year.months < 12 for year in trend],
    )


def _share_bars(groups, *, target=None):
    return [
        Bar(
            label=group.label,
            value=group.totals.cashless_share_amount,
            secondary=group.totals.cashless_share_count,
            target=target,
        )
        for group in groups
    ]


def method_rows(figures):
    """Each method's payments and its share of all payments of the year."""
    total = figures.year_totals
    return [
        {
            "label": group.label,
            "class_label": group.note,
            "totals": group.totals,
            "count_share": ratio(group.totals.count, total.count),
            "amount_share": ratio(group.totals.amount, total.amount),
        }
        for group in figures.by_method
    ]


def reported_rows(figures):
    """The policy's own figures, beside the trend (finance only: they are city-wide)."""
    return [
        {
            "year_label": fiscal_year_label(year.fiscal_year, with_western=True),
            "scope": scope,
            "months": months,
            "count": count,
            "amount": amount,
        }
        for year in figures.trend
        for scope, months, count, amount in year.reported
    ]


def _method_bars(figures):
    return [
        Bar(label=row["label"], value=row["amount_share"], secondary=row["count_share"])
        for row in method_rows(figures)
    ]


def _coverage_bars(rows):
    return [
        Bar(
            label=row.label,
            value=row.share,
            secondary=row.wider_share,
            note=f"{row.cashless}/{row.services}",
        )
        for row in rows
    ]


def charts(figures):
    """The dashboard's SVG charts (markup: every text in them is escaped)."""
    year = fiscal_year_label(figures.periods.fiscal_year)
    by_amount, by_count = _("By amount"), _("By count")
    return {
        "trend": mark_safe(_trend_svg(figures)),
        "methods": mark_safe(
            bar_chart(
                title=_("Share of payments by method, %(year)s") % {"year": year},
                bars=_method_bars(figures),
                value_label=by_amount,
                secondary_label=by_count,
            )
        ),
        "departments": mark_safe(
            bar_chart(
                title=_("Cashless share by department, %(year)s") % {"year": year},
                bars=_share_bars(figures.by_department, target=figures.target),
                value_label=by_amount,
                secondary_label=by_count,
                target_label=figures.target_label or None,
            )
        ),
        "coverage": mark_safe(
            bar_chart(
                title=_("Rollout coverage by payment route"),
                bars=_coverage_bars(figures.coverage_by_route),
                value_label=_("With a published cashless channel"),
                secondary_label=_("Including convenience store and account channels"),
            )
        ),
    }


def dashboard_context(user, *, year=None, today=None):
    """Figures, charts and waves of fiscal ``year`` (default: this one) for ``user``."""
    figures = dashboard_figures(user, year=year, today=today)
    return {
        "figures": figures,
        "charts": charts(figures),
        "method_rows": method_rows(figures),
        "reported": reported_rows(figures),
        "waves": wave_statuses(user, today=today),
        "year_label": fiscal_year_label(figures.periods.fiscal_year, with_western=True),
    }
