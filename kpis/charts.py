"""The KPI dashboard's charts as SVG: pure functions, plain values in, markup out.

A line chart of shares by fiscal year (:func:`trend_chart`) and horizontal bars, one row
per department, method or service (:func:`bar_chart`). Drawn on the server, so the
dashboard needs no script and no CDN; made to be printed, so nothing rests on colour alone:
series differ by dash and marker shape, secondary bars are hatched, targets are red dashed
steps or ticks. Built from :mod:`catalog.svg`, which escapes every text.

Shares are floats from 0.0 to 1.0, or ``None`` when there is nothing to divide by; they are
written by :func:`percent_label`, which the dashboard's tables use too.
"""

import functools
import hashlib
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from catalog import svg
from catalog.svg import INK, MUTED

PAD = 16
HEADING = 34  # the chart's title is drawn too, so a printout says what it shows
GRID = "#d4d4d4"
TARGET = "#c62828"
TARGET_DASH = "12 4 3 4"  # long-short: unlike any series' dash, even in black and white
# Dark enough to print as distinct greys; the dash and the marker carry the difference.
PALETTE = ("#1f4e8c", "#b34700", "#2e6b30", "#6a1b9a")
# style -> (dash pattern, marker shape)
STYLES = {"solid": (None, "circle"), "dashed": ("6 4", "square"), "dotted": ("1.5 3", "triangle")}

# Line chart: the y axis's labels, then a column per fiscal year; room above the plot
# for the label of a point at the top.
Y_AXIS, PLOT_TOP, PLOT_HEIGHT = 46, PAD + HEADING + 14, 260
COLUMN, MIN_PLOT_WIDTH, LINE_HEIGHT = 110, 520, 15
LABEL_ABOVE, LABEL_BELOW, LABEL_GAP = 10, 20, 14  # point labels' baselines from the marker

# Bar chart: labels, 0–100%, then room for the percent at the bar end and the note.
LABEL_COLUMN, BAR_WIDTH, VALUE_COLUMN, BAR_ROW = 220, 360, 150, 34
BAR_LEFT = PAD + LABEL_COLUMN
BAR_FILL = "#1f4e8c"
BAR_TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)


def one_decimal(value: float) -> Decimal:
    """``value`` to one decimal, halves rounded up as Excel does, so the screen and the
    workbook show the same figure (6.25 → 6.3, where Python's own rounding gives 6.2)."""
    return Decimal(repr(value)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def percent_label(value: float | None) -> str:
    """A share as a percent with one decimal ("40.0%"), or "—" when it is undefined."""
    return "—" if value is None else f"{one_decimal(value * 100)}%"


@dataclass(frozen=True)
class Series:
    """One line of a trend: a value per category (``None``: a gap). ``style`` ("solid",
    "dashed" or "dotted") sets both its dash and its marker shape."""

    name: str
    values: tuple[float | None, ...]
    style: str = "solid"

    def __post_init__(self):
        if self.style not in STYLES:
            raise ValueError(f"Unknown series style {self.style!r}; use one of {list(STYLES)}.")


@dataclass(frozen=True)
class TargetLine:
    """The target applying to each category (it may step; ``None``: no target there)."""

    values: tuple[float | None, ...]
    label: str


@dataclass(frozen=True)
class Bar:
    """One row of a bar chart: a main share, and optionally a wider share drawn hatched
    below it, a target tick and a small note such as "12/35件"."""

    label: str
    value: float | None
    secondary: float | None = None
    target: float | None = None
    note: str = ""


def _document(css_class, width, height, heading, summary, body, defs=""):
    """The chart's document, its heading drawn at the top."""
    drawn = svg.fitted_text(PAD, PAD + 16, heading, width - 2 * PAD, size=15, bold=True)
    return svg.document(
        width, height, heading, summary, drawn + body, css_class=css_class, defs=defs
    )


# --- Line chart -----------------------------------------------------------------------


def _xy(x, y):
    return f"{svg.number(float(x))},{svg.number(float(y))}"


def _y_max(numbers):
    """The top of the y axis: 0.1 above the next tenth above the largest value or target,
    at most 100% and at least 50%."""
    tenths = math.ceil(round(max(numbers, default=0.0) * 10, 6)) + 1
    return min(1.0, max(0.5, tenths / 10))


@dataclass(frozen=True)
class _Plot:
    """Where things go on the line chart: a column per category, shares up the y axis."""

    count: int
    y_max: float

    left = PAD + Y_AXIS
    bottom = PLOT_TOP + PLOT_HEIGHT

    @property
    def column(self):
        return max(COLUMN, MIN_PLOT_WIDTH / max(self.count, 1))

    @property
    def right(self):
        return self.left + self.column * max(self.count, 1)

    def x(self, index):
        return self.left + (index + 0.5) * self.column

    def y(self, value):
        return self.bottom - min(float(value), self.y_max) / self.y_max * PLOT_HEIGHT


def _marker(shape, colour, *, hollow=False):
    """A marker centred on (0, 0): filled, or white inside for a year still in progress."""
    paint = {"fill": "#fff" if hollow else colour, "stroke": colour, "stroke-width": 2}
    if shape == "circle":
        return svg.tag("circle", {"r": 4.5, **paint})
    if shape == "square":
        return svg.tag("rect", {"x": -4, "y": -4, "width": 8, "height": 8, **paint})
    return svg.tag("polygon", {"points": "0,-5.5 5,3.5 -5,3.5", **paint})


def _label_baselines(ys, target_y, low, high):
    """Baselines for the percent labels of one category's markers at ``ys``: each above or
    below its marker, whichever way covers no marker nor other label, keeps the markers'
    order and misses the target line at ``target_y`` (preferring above); labels that still
    meet are pushed apart, within [low, high]."""

    def baselines(sides):
        pairs = zip(ys, sides, strict=True)
        return [y - LABEL_ABOVE if above else y + LABEL_BELOW for y, above in pairs]

    def cost(sides):
        tried = baselines(sides)
        boxes = [(baseline - 10, baseline + 2) for baseline in tried]  # the digits' extent
        clashes = sum(top - 6 < y < bottom + 6 for top, bottom in boxes for y in ys)
        clashes += sum(a[0] < b[1] and b[0] < a[1] for a, b in itertools.combinations(boxes, 2))
        clashes += sum(not low <= baseline <= high for baseline in tried)
        # Labels keep their markers' order, or a reader would swap them.
        pairs = itertools.combinations(zip(ys, tried, strict=True), 2)
        clashes += sum((y1 - y2) * (b1 - b2) < 0 for (y1, b1), (y2, b2) in pairs)
        crossings = sum(target_y is not None and top < target_y < bottom for top, bottom in boxes)
        return 100 * clashes + 10 * crossings + sides.count(False)

    sides = min(itertools.product((True, False), repeat=len(ys)), key=cost)
    wanted = baselines(sides)
    # Labels that meet move away from the markers: those above up, those below down...
    above = sorted((k for k, up in enumerate(sides) if up), key=wanted.__getitem__)
    for nearer, k in itertools.pairwise(above[::-1]):
        wanted[k] = min(wanted[k], wanted[nearer] - LABEL_GAP)
    below = sorted((k for k, up in enumerate(sides) if not up), key=wanted.__getitem__)
    for nearer, k in itertools.pairwise(below):
        wanted[k] = max(wanted[k], wanted[nearer] + LABEL_GAP)
    # ...then, kept within [low, high], any still meeting are pushed apart.
    ranked = sorted(range(len(ys)), key=wanted.__getitem__)
    placed = [max(low, wanted[k]) for k in ranked]
    for n in range(1, len(placed)):
        placed[n] = max(placed[n], placed[n - 1] + LABEL_GAP)
    if placed and placed[-1] > high:
        placed[-1] = high
        for n in range(len(placed) - 2, -1, -1):
            placed[n] = min(placed[n], placed[n + 1] - LABEL_GAP)
    return dict(zip(ranked, placed, strict=True))


def _series_svg(plot, categories, series, partial, target):
    """The lines (broken where a value is ``None``), then markers and percent labels."""
    lines, points = [], []
    for number, line in enumerate(series):
        paint = {"fill": "none", "stroke": PALETTE[number % len(PALETTE)], "stroke-width": 2.5}
        runs = [[]]
        for index, value in enumerate(line.values):
            if value is None:
                runs.append([])
            else:
                runs[-1].append(_xy(plot.x(index), plot.y(value)))
        for run in (run for run in runs if len(run) > 1):  # a lone point is just its marker
            attrs = {"class": "line", "data-series": number, "points": " ".join(run), **paint}
            lines.append(svg.tag("polyline", {**attrs, "stroke-dasharray": STYLES[line.style][0]}))
    halo = {"stroke": "#fff", "stroke-width": 3, "paint-order": "stroke"}
    for index, category in enumerate(categories):
        shown = [(n, line) for n, line in enumerate(series) if line.values[index] is not None]
        ys = [plot.y(line.values[index]) for _n, line in shown]
        goal = target.values[index] if target else None
        target_y = plot.y(goal) if goal is not None else None
        baselines = _label_baselines(ys, target_y, PLOT_TOP - 8, plot.bottom - 4)
        for k, (number, line) in enumerate(shown):
            label, colour = percent_label(line.values[index]), PALETTE[number % len(PALETTE)]
            hint = svg.title(f"{category.replace(chr(10), ' ')} · {line.name}: {label}")
            mark = _marker(STYLES[line.style][1], colour, hollow=partial[index])
            css = "point partial" if partial[index] else "point"
            where = f'transform="translate({_xy(plot.x(index), ys[k])})"'
            points.append(f'<g class="{css}" data-series="{number}" {where}>{hint}{mark}</g>')
            attrs = {"anchor": "middle", "class": "point-label", "data-series": number, **halo}
            points.append(svg.text(plot.x(index), baselines[k], label, size=11, **attrs))
    return "".join(lines + points)


def _target_svg(plot, target):
    """The target as a red dashed step line, labelled right of the plot, level with its
    last step (outside the plot, the label never covers a point)."""
    steps, joined, last_y = [], False, None
    for index, value in enumerate(target.values):
        if value is None:
            joined = False
            continue
        left, last_y = plot.x(index) - plot.column / 2, plot.y(value)
        steps.append(f"V{svg.number(last_y)}" if joined else f"M{_xy(left, last_y)}")
        steps.append(f"H{svg.number(float(left + plot.column))}")
        joined = True
    if last_y is None:
        return ""
    paint = {"fill": "none", "stroke": TARGET, "stroke-width": 2, "stroke-dasharray": TARGET_DASH}
    path = svg.tag("path", {"class": "target-line", "d": " ".join(steps), **paint})
    attrs = {"size": 11, "bold": True, "fill": TARGET, "class": "target-label"}
    label = svg.fitted_text(plot.right + 6, last_y + 4, target.label, 220, **attrs)
    return f'<g class="target">{path}{label}</g>'


def _axes_svg(plot, categories, partial):
    """Gridlines every 10% labelled on the left, and the categories below the x axis (a
    "\\n" starts a second line; "(so far)" under a year in progress); returns the markup
    and where it ends."""
    parts = []
    for tenth in range(round(plot.y_max * 10) + 1):
        y = plot.y(tenth / 10)
        parts.append(svg.line(plot.left, y, plot.right, y, INK if tenth == 0 else GRID, 1))
        parts.append(svg.text(plot.left - 6, y + 4, f"{tenth * 10}%", size=11, anchor="end"))
    parts.append(svg.line(plot.left, PLOT_TOP, plot.left, plot.bottom, INK, 1))
    lines = max((category.count("\n") + 1 for category in categories), default=1)
    for index, category in enumerate(categories):
        x = plot.x(index)
        for number, row in enumerate(category.split("\n")):
            y = plot.bottom + 20 + number * LINE_HEIGHT
            attrs = {"anchor": "middle", "class": "category"}
            parts.append(svg.fitted_text(x, y, row, plot.column - 8, **attrs))
        if partial[index]:
            y = plot.bottom + 20 + lines * LINE_HEIGHT
            attrs = {"size": 11, "anchor": "middle", "fill": MUTED, "class": "note"}
            parts.append(svg.text(x, y, _("(so far)"), **attrs))
    return "".join(parts), plot.bottom + 12 + (lines + any(partial)) * LINE_HEIGHT


def _series_sample(number, line, x, y):
    """The legend's sample of a series: a bit of its line with its marker."""
    dash, shape = STYLES[line.style]
    colour = PALETTE[number % len(PALETTE)]
    stroke = svg.line(x, y, x + 34, y, colour, 2.5, **{"stroke-dasharray": dash})
    return f'{stroke}<g transform="translate({_xy(x + 17, y)})">{_marker(shape, colour)}</g>'


def _target_sample(x, y):
    return svg.line(x, y, x + 34, y, TARGET, 2, **{"stroke-dasharray": TARGET_DASH})


def _trend_summary(categories, series, target, partial):
    """Every figure of the chart in words, for a screen reader."""
    names = [category.replace("\n", " ") for category in categories]
    period = {"first": names[0], "last": names[-1]}
    sentences = [_("Line chart by fiscal year, in percent, %(first)s to %(last)s.") % period]
    for line in series:
        pairs = zip(names, line.values, strict=True)
        values = ", ".join(f"{name} {percent_label(value)}" for name, value in pairs)
        sentences.append(_("%(series)s: %(values)s.") % {"series": line.name, "values": values})
    if target:
        sentences.append(_("Target line: %(label)s.") % {"label": target.label})
    in_progress = [name for name, flag in zip(names, partial, strict=True) if flag]
    if in_progress:
        sentences.append(_("Year in progress: %(years)s.") % {"years": ", ".join(in_progress)})
    return " ".join(sentences)


def trend_chart(
    *,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    target: TargetLine | None = None,
    partial: Sequence[bool] = (),
) -> str:
    """A line chart of shares by fiscal year: one line per series, each point labelled
    with its percent, a gap where a value is ``None``, the target as a red dashed step
    line labelled at its right end, the legend below. ``partial[i]`` marks a year still in
    progress: its points are hollow and "(so far)" is written under it. With no value at
    all, only the axes and "No data for this period."."""
    count = len(categories)
    partial = tuple(partial) or (False,) * count
    lengths = {len(line.values) for line in series} | {len(partial)}
    lengths |= {len(target.values)} if target else set()
    if lengths - {count}:
        raise ValueError("Every series, the target and partial need one value per category.")
    values = [value for line in series for value in line.values if value is not None]
    targets = [value for value in target.values if value is not None] if target else []
    plot = _Plot(count, _y_max(values + targets))
    label_room = svg.text_width(svg.fit(target.label, 220, 11), 11) + 12 if target else 8
    width = plot.right + label_room + PAD
    axes, axes_bottom = _axes_svg(plot, categories, partial)
    if not values:
        summary = _("No data for this period.")
        middle = ((plot.left + plot.right) / 2, PLOT_TOP + PLOT_HEIGHT / 2)
        attrs = {"anchor": "middle", "fill": MUTED, "class": "message"}
        body = axes + svg.text(*middle, summary, **attrs)
        return _document("kpi-chart trend", width, axes_bottom + PAD, title, summary, body)
    entries = [
        (functools.partial(_series_sample, n, line), line.name) for n, line in enumerate(series)
    ]
    if target:
        entries.append((_target_sample, _("Target")))
    legend, legend_height = svg.legend(entries, left=PAD, top=axes_bottom, right=width - PAD)
    body = "".join(
        [
            axes,
            _target_svg(plot, target) if target else "",
            _series_svg(plot, categories, series, partial, target),
            legend,
        ]
    )
    summary = _trend_summary(categories, series, target, partial)
    height = axes_bottom + legend_height + PAD
    return _document("kpi-chart trend", width, height, title, summary, body)


# --- Bar chart ------------------------------------------------------------------------


def _bar_x(value):
    return BAR_LEFT + max(0.0, min(float(value), 1.0)) * BAR_WIDTH


def _hint(bar, name, value):
    """A tooltip naming the row, what the figure is and the figure."""
    what = f"{bar.label} · {name}" if name else bar.label
    return svg.title(f"{what}: {percent_label(value)}")


def _bar_rect(hint, css_class, value, attrs):
    """A bar from 0 to ``value``, with its tooltip."""
    width = _bar_x(value) - BAR_LEFT
    return svg.tag("rect", {"class": css_class, "x": BAR_LEFT, "width": width, **attrs}, hint)


def _bar_end_label(value, baseline, tick, size, **attrs):
    """The percent just after the end of a bar of ``value``, moved past the target tick
    when it would cross it; returns it and where it ends."""
    label = percent_label(value)
    x, span = _bar_x(value) + 5, svg.text_width(label, size) * 1.1
    if tick is not None and x - 3 <= tick <= x + span + 3:
        x = tick + 5
    return svg.text(x, baseline, label, size=size, **attrs), x + span


@dataclass(frozen=True)
class _Rows:
    """How the rows of one bar chart are drawn: where the bars sit in a row, the paint of
    the secondary bars (the chart's own hatch pattern: several charts share a page, and
    ids must be unique in it) and the names of the figures, for the tooltips."""

    main: tuple[int, int]  # top and height in the row
    secondary: tuple[int, int]
    hatched: dict
    names: tuple[str, str | None, str | None]  # value, secondary, target


def _bar_row(bar, top, rows):
    """One row: the label (shortened, in full in its tooltip), the hatched secondary bar,
    the main bar, their percents, the target tick and the note."""
    value_name, secondary_name, target_name = rows.names
    (main_top, main_height), (second_top, second_height) = rows.main, rows.secondary
    baseline = top + main_top + main_height / 2 + 4
    attrs = {"class": "bar-label"}
    parts = [svg.fitted_text(PAD + 4, baseline, bar.label, LABEL_COLUMN - 14, **attrs)]
    tick = _bar_x(bar.target) if bar.target is not None else None
    if bar.secondary is not None:
        box = {"y": top + second_top, "height": second_height, **rows.hatched}
        hint = _hint(bar, secondary_name, bar.secondary)
        parts.append(_bar_rect(hint, "bar secondary", bar.secondary, box))
        below = top + second_top + second_height + 1
        attrs = {"fill": MUTED, "class": "secondary-value"}
        parts.append(_bar_end_label(bar.secondary, below, tick, 10, **attrs)[0])
    if bar.value is None:
        parts.append(svg.text(BAR_LEFT + 6, baseline, "—", bold=True, **{"class": "value"}))
        after = BAR_LEFT + 6 + svg.text_width("—", 12)
    else:
        box = {"y": top + main_top, "height": main_height, "fill": BAR_FILL}
        parts.append(_bar_rect(_hint(bar, value_name, bar.value), "bar value", bar.value, box))
        attrs = {"bold": True, "class": "value"}
        label, after = _bar_end_label(bar.value, baseline, tick, 12, **attrs)
        parts.append(label)
    if tick is not None:
        hint = _hint(bar, target_name, bar.target)
        # White edges keep the tick visible over a dark bar, in black and white too.
        edge = svg.line(tick, top + 2, tick, top + BAR_ROW - 2, "#fff", 5.5)
        mark = edge + svg.line(tick, top + 3, tick, top + BAR_ROW - 3, TARGET, 2.5)
        parts.append(f'<g class="target-tick">{hint}{mark}</g>')
    if bar.note:
        room = BAR_LEFT + BAR_WIDTH + VALUE_COLUMN - after - 6
        attrs = {"size": 10, "fill": MUTED, "class": "note"}
        parts.append(svg.fitted_text(after + 6, baseline, bar.note, room, **attrs))
    return f'<g class="bar-row">{"".join(parts)}</g>'


def _swatch(x, y, *, height, paint):
    """A legend sample of a bar: a piece of it, centred on ``y``."""
    return svg.tag("rect", {"x": x, "y": y - height / 2, "width": 34, "height": height, **paint})


def _tick_sample(x, y):
    return svg.line(x + 24, y - 9, x + 24, y + 9, TARGET, 2.5)


def _bar_summary(bars, value_label, secondary_label, target_label):
    """Every row's figures in words, for a screen reader."""
    rows = []
    for bar in bars:
        figures = [f"{value_label} {percent_label(bar.value)}"]
        for name, value in ((secondary_label, bar.secondary), (target_label, bar.target)):
            if value is not None:
                figures.append(f"{name or ''} {percent_label(value)}".strip())
        note = f" ({bar.note})" if bar.note else ""
        rows.append(f"{bar.label}: {', '.join(figures)}{note}")
    return " ".join([_("Horizontal bar chart, in percent."), "; ".join(rows)])


def bar_chart(
    *,
    title: str,
    bars: Sequence[Bar],
    value_label: str,
    secondary_label: str | None = None,
    target_label: str | None = None,
) -> str:
    """Horizontal bars on a 0–100% axis, one row per :class:`Bar`: its label on the left,
    the main share as a solid bar with its percent at the end ("—" when ``None``), the
    secondary share hatched below it, the target as a red tick, and a legend naming the
    kinds shown. The height grows with the rows; no rows gives "Nothing to show."."""
    width = BAR_LEFT + BAR_WIDTH + VALUE_COLUMN + PAD
    top = PAD + HEADING
    if not bars:
        message = _("Nothing to show.")
        attrs = {"anchor": "middle", "fill": MUTED, "class": "message"}
        body = svg.text(width / 2, top + 22, message, **attrs)
        return _document("kpi-chart bars", width, top + 40 + PAD, title, message, body)
    with_secondary = any(bar.secondary is not None for bar in bars)
    summary = _bar_summary(bars, value_label, secondary_label, target_label)
    hatch_id = "kpi-hatch-" + hashlib.sha1(f"{title}\n{summary}".encode()).hexdigest()[:10]
    hatched = {"fill": f"url(#{hatch_id})", "stroke": BAR_FILL, "stroke-width": 0.75}
    names = (value_label, secondary_label, target_label)
    layout = ((5, 14), (22, 7)) if with_secondary else ((9, 16), (0, 0))
    rows = _Rows(*layout, hatched, names)
    bottom = top + len(bars) * BAR_ROW
    shading = {"x": PAD, "width": width - 2 * PAD, "height": BAR_ROW, "fill": "#f4f4f4"}
    parts = [svg.tag("rect", {"y": top + n * BAR_ROW, **shading}) for n in range(1, len(bars), 2)]
    for tick in BAR_TICKS:
        x = _bar_x(tick)
        parts.append(svg.line(x, top, x, bottom, INK if tick == 0 else GRID, 1))
        parts.append(svg.text(x, bottom + 16, f"{tick * 100:.0f}%", size=11, anchor="middle"))
    parts += [_bar_row(bar, top + n * BAR_ROW, rows) for n, bar in enumerate(bars)]
    entries = [(functools.partial(_swatch, height=14, paint={"fill": BAR_FILL}), value_label)]
    if secondary_label and with_secondary:
        entries.append((functools.partial(_swatch, height=8, paint=hatched), secondary_label))
    if target_label and any(bar.target is not None for bar in bars):
        entries.append((_tick_sample, target_label))
    legend, legend_height = svg.legend(entries, left=PAD, top=bottom + 22, right=width - PAD)
    hatch = svg.hatch(hatch_id, size=5, stroke=BAR_FILL, stroke_width=2) if with_secondary else ""
    height = bottom + 22 + legend_height + PAD
    body = "".join(parts) + legend
    return _document("kpi-chart bars", width, height, title, summary, body, hatch)
