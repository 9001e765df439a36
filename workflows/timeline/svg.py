"""The rollout timeline drawn as SVG, like the city's schedule chart (no database).

Fiscal years across the top, twelve months each from April; per phase a hatched planned bar
and below it a thinner solid actual bar; a line for today; late phases outlined in red and
marked 遅延. It is meant to be printed, so the planned/actual difference does not rest on
colour.
"""

import datetime as dt

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from catalog import svg
from catalog.fiscal import fiscal_year_label
from catalog.svg import INK, MUTED
from workflows.models import month_end

PAD = 16
WAVE_COLUMN = 200  # the wave's name (and, on its second line, its current phase)
PHASE_COLUMN = 110  # the phase, and its 遅延 mark
CHART_X = PAD + WAVE_COLUMN + PHASE_COLUMN
MONTH_WIDTH = 15
TODAY_ROW = 20  # above the header: the today line's label
YEAR_ROW = 24
MONTH_ROW = 20
HEADER_TOP = PAD + TODAY_ROW
BODY_TOP = HEADER_TOP + YEAR_ROW + MONTH_ROW
ROW_HEIGHT = 30
PLANNED_TOP, PLANNED_HEIGHT = 5, 12
ACTUAL_TOP, ACTUAL_HEIGHT = 20, 6
ARROW = 8  # how far the arrowhead of a bar cut by the range reaches into the chart
LEGEND_HEIGHT = 44

ACTUAL_FILL = "#1f4e8c"  # dark enough to print as near black
LATE = "#c62828"
TODAY = "#d35400"
HATCH_ID = "rollout-timeline-hatch"


def _month_label(day):
    return date_format(day, "YEAR_MONTH_FORMAT")


def _day_label(day):
    return date_format(day, "SHORT_DATE_FORMAT")


class _Scale:
    """Days to x: each month of the range is a column ``MONTH_WIDTH`` wide, split by day."""

    def __init__(self, timeline):
        self.start, self.end = timeline.start, timeline.end
        self.months = timeline.months
        self.right = CHART_X + self.months * MONTH_WIDTH

    def month_x(self, day):
        index = (day.year - self.start.year) * 12 + day.month - self.start.month
        return CHART_X + index * MONTH_WIDTH

    def x(self, day):
        """The left edge of ``day``."""
        return self.month_x(day) + (day.day - 1) / month_end(day).day * MONTH_WIDTH

    def x_after(self, day):
        """The right edge of ``day``: where a bar that ends on it stops."""
        return self.x(day + dt.timedelta(days=1))

    def span(self, first, last):
        """``(left, right, cut_left, cut_right)`` of a bar from ``first`` to ``last`` (both
        days included), clipped to the range; a bar wholly outside it has no width."""
        if last < self.start:
            return CHART_X, CHART_X, True, False
        if first > self.end:
            return self.right, self.right, False, True
        left, right = self.x(max(first, self.start)), self.x_after(min(last, self.end))
        return left, max(right, left + 2), first < self.start, last > self.end


def _arrowhead(tip, middle, direction, reach):
    """A black arrowhead at ``tip`` pointing left (-1) or right (1)."""
    back = tip - direction * ARROW
    points = [(tip, middle), (back, middle - reach), (back, middle + reach)]
    coordinates = " ".join(f"{svg.number(float(x))},{svg.number(float(y))}" for x, y in points)
    return svg.tag("polygon", {"class": "cut", "points": coordinates, "fill": INK})


def _bar(scale, kind, days, row_top, *, late, tooltip):
    """A planned (hatched, outlined) or actual (solid, below it) bar over ``days`` (first,
    last), clipped to the range, with an arrowhead where it runs on past an edge; outlined
    in red when the phase is late."""
    planned = kind == "planned"
    top, height = (PLANNED_TOP, PLANNED_HEIGHT) if planned else (ACTUAL_TOP, ACTUAL_HEIGHT)
    top += row_top
    left, right, cut_left, cut_right = scale.span(*days)
    parts = []
    if right > left:
        attrs = {
            "class": f"bar {kind}" + (" late" if late else ""),
            "x": float(left),
            "y": top,
            "width": float(right - left),
            "height": height,
            "fill": f"url(#{HATCH_ID})" if planned else ACTUAL_FILL,
            "stroke": LATE if late else INK if planned else ACTUAL_FILL,
            "stroke-width": 2 if late else 1,
        }
        parts.append(svg.tag("rect", attrs, svg.title(tooltip)))
    middle, reach = top + height / 2, height / 2 + 3
    if cut_left:
        parts.append(_arrowhead(CHART_X, middle, -1, reach))
    if cut_right:
        parts.append(_arrowhead(scale.right, middle, 1, reach))
    return "".join(parts)


def _late_badge(x, top, *, anchor="start"):
    """The mark 遅延: white on a red tag, readable in colour and in black and white."""
    word = _("Late")
    width = svg.text_width(word, 10) + 10
    left = x - width if anchor == "end" else x
    tag = svg.tag(
        "rect", {"x": left, "y": top, "width": width, "height": 16, "rx": 3, "fill": LATE}
    )
    label = svg.text(
        left + width / 2, top + 12, word, size=10, anchor="middle", bold=True, fill="#fff"
    )
    return f'<g class="late-mark">{tag}{label}</g>'


def _row_svg(scale, row, top):
    """One phase: its label (and 遅延), its planned bar and below it its actual bar."""
    parts = []
    name = f"{row.wave} / {row.phase_label}"
    if row.planned_start and row.planned_end:
        tooltip = _("%(name)s — planned: %(start)s – %(end)s") % {
            "name": name,
            "start": _month_label(row.planned_start),
            "end": _month_label(row.planned_end),
        }
        days = (row.planned_start, row.planned_end)
        parts.append(_bar(scale, "planned", days, top, late=row.late, tooltip=tooltip))
    if row.actual_start and row.actual_bar_end:
        tooltip = _("%(name)s — actual: %(start)s – %(end)s") % {
            "name": name,
            "start": _day_label(row.actual_start),
            "end": _day_label(row.actual_end) if row.actual_end else _("today"),
        }
        days = (row.actual_start, row.actual_bar_end)
        parts.append(_bar(scale, "actual", days, top, late=row.late, tooltip=tooltip))
    room = PHASE_COLUMN - 12
    if row.late:
        parts.append(_late_badge(CHART_X - 6, top + 7, anchor="end"))
        room -= svg.text_width(_("Late"), 10) + 16
    parts.append(svg.text(PAD + WAVE_COLUMN + 6, top + 20, svg.fit(row.phase_label, room, 12)))
    late = "true" if row.late else "false"
    phase = svg.escape(row.phase)
    return f'<g class="row" data-phase="{phase}" data-late="{late}">{"".join(parts)}</g>'


def _header_svg(scale, timeline):
    """Per fiscal year "令和4年度 (2022)" over its twelve months 4 … 3."""
    parts = []
    month_top = HEADER_TOP + YEAR_ROW
    for fy in timeline.fiscal_years:
        left = scale.month_x(dt.date(fy, 4, 1))
        year = {"x": left, "y": HEADER_TOP, "width": 12 * MONTH_WIDTH, "height": YEAR_ROW}
        parts.append(svg.tag("rect", {"class": "year", **year, "fill": "#eeeeee", "stroke": INK}))
        label = fiscal_year_label(fy, with_western=True)
        parts.append(
            svg.text(
                left + 6 * MONTH_WIDTH, HEADER_TOP + 17, label, size=13, anchor="middle", bold=True
            )
        )
        for offset in range(12):
            month = dt.date(fy + (offset + 3) // 12, (offset + 3) % 12 + 1, 1)
            x = scale.month_x(month)
            cell = {"x": x, "y": month_top, "width": MONTH_WIDTH, "height": MONTH_ROW}
            parts.append(
                svg.tag(
                    "rect",
                    {"class": "month", "data-month": f"{month:%Y-%m}", **cell, "fill": "#fff"},
                )
            )
            # The month's number, as on the city's chart: a five-year range fits a screen.
            name = str(month.month)
            parts.append(
                svg.text(x + MONTH_WIDTH / 2, month_top + 14, name, size=9, anchor="middle")
            )
    middle = HEADER_TOP + (YEAR_ROW + MONTH_ROW) / 2 + 5
    parts.append(svg.text(PAD + 6, middle, _("Rollout wave"), bold=True))
    parts.append(svg.text(PAD + WAVE_COLUMN + 6, middle, _("Phase"), bold=True))
    return "".join(parts)


def _bands(timeline):
    """(group, top, lines) for each wave, and the bottom of the last."""
    bands, y = [], BODY_TOP
    for group in timeline.groups:
        lines = max(len(group.rows), 1)
        bands.append((group, y, lines))
        y += lines * ROW_HEIGHT
    return bands, (y if bands else y + ROW_HEIGHT)


def _grid_svg(scale, bands, bottom):
    """Shading of every other wave, thin lines per month, strong ones per fiscal year, and
    lines between waves and phases: all drawn under the bars."""
    parts = []
    for index, (_group, top, lines) in enumerate(bands):
        if index % 2:
            size = {"width": scale.right - PAD, "height": lines * ROW_HEIGHT}
            parts.append(svg.tag("rect", {"x": PAD, "y": top, **size, "fill": "#f5f5f5"}))
        for line in range(1, lines):
            y = top + line * ROW_HEIGHT
            parts.append(svg.line(PAD + WAVE_COLUMN, y, scale.right, y, "#e0e0e0", 0.5))
    month_top = HEADER_TOP + YEAR_ROW
    for index in range(scale.months + 1):
        x = CHART_X + index * MONTH_WIDTH
        if index % 12:
            parts.append(svg.line(x, month_top, x, bottom, "#d0d0d0", 0.5))
        else:
            parts.append(svg.line(x, HEADER_TOP, x, bottom, INK, 1.2, **{"class": "fy-line"}))
    for y in [top for _group, top, _lines in bands] + [BODY_TOP, bottom]:
        parts.append(svg.line(PAD, y, scale.right, y, "#777777", 0.75))
    return "".join(parts)


def _waves_svg(scale, bands):
    """Each wave's name on its first line, its current phase below, and its rows."""
    parts = []
    for group, top, lines in bands:
        name = svg.fit(group.wave, WAVE_COLUMN - 12, 12)
        parts.append('<g class="wave">')
        parts.append(
            svg.text(
                PAD + 6, top + 20, name, bold=True, tooltip=group.wave, **{"class": "wave-name"}
            )
        )
        if lines > 1:
            current = svg.fit(
                _("Now: %(phase)s") % {"phase": group.phase_label}, WAVE_COLUMN - 12, 10
            )
            parts.append(svg.text(PAD + 6, top + ROW_HEIGHT + 18, current, size=10, fill=MUTED))
        if not group.rows:
            parts.append(
                svg.text(PAD + WAVE_COLUMN + 6, top + 20, _("No schedule yet"), size=11, fill=MUTED)
            )
        for number, row in enumerate(group.rows):
            parts.append(_row_svg(scale, row, top + number * ROW_HEIGHT))
        parts.append("</g>")
    if not bands:
        parts.append(svg.text(PAD + 6, BODY_TOP + 20, _("No rollout waves to show."), fill=MUTED))
    return "".join(parts)


def _today_svg(scale, today, bottom):
    """The dashed today line, labelled 今日 with the date; none when today is off the range."""
    if not scale.start <= today <= scale.end:
        return ""
    x = scale.x_after(today)
    label = _("Today %(date)s") % {"date": _day_label(today)}
    half = svg.text_width(label, 11) / 2
    anchor = "end" if x + half > scale.right else "start" if x - half < CHART_X else "middle"
    line = svg.line(x, HEADER_TOP - 4, x, bottom, TODAY, 1.5, **{"stroke-dasharray": "5 3"})
    text = svg.text(x, HEADER_TOP - 7, label, size=11, anchor=anchor, bold=True, fill=TODAY)
    return f'<g class="today" data-date="{today.isoformat()}">{line}{text}</g>'


def _legend_svg(top):
    """計画 / 実績 / 今日 / 遅延, each beside the mark it explains."""
    y = top + 18
    x = float(PAD + 6)
    parts = ['<g class="legend">']

    def label(text):
        nonlocal x
        parts.append(svg.text(x, y + 10, text, size=11))
        x += svg.text_width(text, 11) + 28

    planned = {"width": 32, "height": PLANNED_HEIGHT, "fill": f"url(#{HATCH_ID})"}
    parts.append(svg.tag("rect", {"x": x, "y": y, **planned, "stroke": INK}))
    x += 38
    label(_("Planned"))
    actual = {"width": 32, "height": ACTUAL_HEIGHT, "fill": ACTUAL_FILL}
    parts.append(svg.tag("rect", {"x": x, "y": y + 3, **actual}))
    x += 38
    label(_("Actual"))
    parts.append(svg.line(x + 4, y - 3, x + 4, y + 15, TODAY, 1.5, **{"stroke-dasharray": "5 3"}))
    x += 12
    label(_("Today"))
    parts.append(svg.tag("rect", {"x": x, "y": y, **planned, "stroke": LATE, "stroke-width": 2}))
    x += 38
    parts.append(_late_badge(x, y - 2))
    parts.append("</g>")
    return "".join(parts)


def render_svg(timeline):
    """The :class:`Timeline` as an SVG document (a string, every text escaped).

    It scales to its container (a viewBox and ``width="100%"``), prints black on white,
    loads nothing from outside, and tells a screen reader what it shows (``role="img"``,
    a title and a summary).
    """
    scale = _Scale(timeline)
    bands, bottom = _bands(timeline)
    width, height = scale.right + PAD, bottom + LEGEND_HEIGHT + PAD
    title = _("Rollout timeline, %(range)s") % {"range": timeline.range_label}
    summary = _("Rollout waves: %(waves)d; scheduled phases: %(phases)d; late: %(late)d.") % {
        "waves": len(timeline.groups),
        "phases": len(timeline.rows),
        "late": sum(row.late for row in timeline.rows),
    }
    hatch = svg.hatch(HATCH_ID, size=6, stroke="#8c8c8c", stroke_width=2.5)
    content = "".join(
        [
            _header_svg(scale, timeline),
            _grid_svg(scale, bands, bottom),
            _waves_svg(scale, bands),
            _today_svg(scale, timeline.today, bottom),
            _legend_svg(bottom),
        ]
    )
    return svg.document(
        width, height, title, summary, content, css_class="rollout-timeline", defs=hatch
    )
