"""The KPI charts as a reader sees them: each document is parsed as XML (so it is
well-formed), then its percents, gaps, targets, bar lengths, shortened labels and messages
are read back from the drawing itself (positions come from the axis labels and markers
drawn, not from the module's constants)."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.utils.translation import gettext as _

from kpis.charts import Bar, Series, TargetLine, bar_chart, percent_label, trend_chart

SVG = "{http://www.w3.org/2000/svg}"
YEARS = ("令和5年度", "令和6年度", "令和7年度")


def parse(markup):
    return ET.fromstring(markup)


def shown(element):
    """The text an element displays: its own text without its tooltip."""
    return (element.text or "") + "".join(child.tail or "" for child in element)


def texts(root, css_class=None):
    return [
        element
        for element in root.iter(f"{SVG}text")
        if css_class is None or css_class in element.get("class", "").split()
    ]


def strings(root, css_class=None):
    return [shown(element) for element in texts(root, css_class)]


def tooltip(element):
    title = element.find(f"{SVG}title")
    return None if title is None else title.text


def with_class(root, css_class):
    return [element for element in root.iter() if css_class in element.get("class", "").split()]


def translation(element):
    """(x, y) of a marker, from its ``translate(x,y)``."""
    x, y = re.fullmatch(r"translate\(([-\d.]+),([-\d.]+)\)", element.get("transform")).groups()
    return float(x), float(y)


def markers(root, series=None):
    return [
        translation(point)
        for point in with_class(root, "point")
        if series is None or point.get("data-series") == str(series)
    ]


def category_x(root, label):
    (element,) = [element for element in texts(root, "category") if shown(element) == label]
    return float(element.get("x"))


def trend(**kwargs):
    kwargs.setdefault("title", "キャッシュレス決済比率の推移")
    kwargs.setdefault("categories", YEARS)
    return parse(trend_chart(**kwargs))


# --- percent_label ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "label"),
    [(0.4, "40.0%"), (0.375, "37.5%"), (0.0, "0.0%"), (1.0, "100.0%"), (None, "—")],
)
def test_a_share_is_written_as_a_percent_with_one_decimal(value, label):
    assert percent_label(value) == label


# --- trend chart --------------------------------------------------------------------------


def test_the_trend_chart_is_an_accessible_scalable_image():
    root = trend(series=[Series("件数ベース", (0.12, 0.2, 0.375))])

    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 [\d.]+ [\d.]+", root.get("viewBox"))
    assert root.find(f"{SVG}title").text == "キャッシュレス決済比率の推移"
    summary = root.find(f"{SVG}desc").text
    assert "件数ベース" in summary and "令和7年度 37.5%" in summary
    assert not list(root.iter(f"{SVG}script"))


def test_every_point_is_labelled_with_its_percent():
    root = trend(
        series=[
            Series("件数ベース", (0.12, 0.2, 0.375)),
            Series("金額ベース", (0.15, 0.25, 0.41), style="dashed"),
        ]
    )

    labels = strings(root, "point-label")
    assert sorted(labels) == sorted(["12.0%", "20.0%", "37.5%", "15.0%", "25.0%", "41.0%"])
    assert "件数ベース" in strings(root, "legend-label")
    assert "金額ベース" in strings(root, "legend-label")


def test_a_missing_value_leaves_a_gap_with_no_point():
    root = trend(series=[Series("件数ベース", (0.2, None, 0.4))])

    middle = category_x(root, "令和6年度")
    assert len(markers(root, 0)) == 2
    assert all(x != pytest.approx(middle) for x, _y in markers(root, 0))
    for line in with_class(root, "line"):
        xs = [float(pair.split(",")[0]) for pair in line.get("points").split()]
        assert not min(xs) <= middle <= max(xs), "a line bridges the missing year"
    assert "令和6年度 —" in root.find(f"{SVG}desc").text


def test_a_line_joins_the_points_on_either_side_of_nothing_missing():
    root = trend(series=[Series("件数ベース", (0.2, 0.3, 0.4))])

    (line,) = with_class(root, "line")
    assert len(line.get("points").split()) == 3


def test_the_target_is_a_red_dashed_step_at_the_height_of_its_value():
    root = trend(
        series=[Series("件数ベース", (0.3, 0.4, 0.2))],
        target=TargetLine((0.3, 0.4, 0.4), "目標 40%（令和7年度まで）"),
    )

    (path,) = with_class(root, "target-line")
    assert path.get("stroke") == "#c62828"
    assert path.get("stroke-dasharray")
    ys = sorted({float(n) for n in re.findall(r"(?:,|V)([-\d.]+)", path.get("d"))})
    # The steps sit where a point of the same share sits: at 30% and at 40%.
    (y30,) = [y for x, y in markers(root, 0) if x == pytest.approx(category_x(root, "令和5年度"))]
    (y40,) = [y for x, y in markers(root, 0) if x == pytest.approx(category_x(root, "令和6年度"))]
    assert ys == [pytest.approx(y40, abs=0.01), pytest.approx(y30, abs=0.01)]
    assert path.get("d").count("M") == 1 and "V" in path.get("d")  # one line, stepping up
    (label,) = texts(root, "target-label")
    assert shown(label) == "目標 40%（令和7年度まで）"
    assert float(label.get("y")) == pytest.approx(y40 + 4, abs=1)  # level with its last step
    assert float(label.get("x")) > max(x for x, _y in markers(root, 0))  # at the right end
    assert _("Target") in strings(root, "legend-label")


def test_a_year_without_a_target_breaks_the_target_line():
    root = trend(
        series=[Series("件数ベース", (0.3, 0.4, 0.2))],
        target=TargetLine((0.3, None, 0.4), "目標 40%"),
    )

    (path,) = with_class(root, "target-line")
    assert path.get("d").count("M") == 2 and "V" not in path.get("d")
    middle = category_x(root, "令和6年度")
    xs = [float(n) for n in re.findall(r"(?:M|H)([-\d.]+)", path.get("d"))]
    starts, ends = xs[0::2], xs[1::2]
    assert not any(start < middle < end for start, end in zip(starts, ends, strict=True))


def test_no_target_line_without_a_target():
    root = trend(series=[Series("件数ベース", (0.3, 0.4, 0.2))])

    assert not with_class(root, "target-line")
    assert _("Target") not in strings(root, "legend-label")


def test_the_y_axis_reaches_a_tenth_above_the_largest_share_but_not_past_100():
    def top_tick(values, target=None):
        root = trend(series=[Series("s", values)], target=target)
        ticks = [shown(t) for t in texts(root) if t.get("text-anchor") == "end"]
        return max(int(tick.rstrip("%")) for tick in ticks)

    assert top_tick((0.1, 0.2, 0.375)) == 50  # at least 50%
    assert top_tick((0.1, 0.2, 0.66)) == 80
    assert top_tick((0.1, 0.2, 0.3), TargetLine((0.7, 0.7, 0.7), "目標")) == 80
    assert top_tick((0.5, 0.9, 0.96)) == 100


def test_a_year_in_progress_has_a_hollow_point_and_a_note():
    root = trend(series=[Series("件数ベース", (0.2, 0.3, 0.35))], partial=(False, False, True))

    (partial,) = with_class(root, "partial")
    assert translation(partial)[0] == pytest.approx(category_x(root, "令和7年度"))
    assert partial.find(f"{SVG}circle").get("fill") == "#fff"
    full = [p for p in with_class(root, "point") if p is not partial]
    assert all(p.find(f"{SVG}circle").get("fill") != "#fff" for p in full)
    (note,) = texts(root, "note")
    assert shown(note) == _("(so far)")
    assert float(note.get("x")) == pytest.approx(category_x(root, "令和7年度"))


def test_the_series_differ_by_dash_and_marker_not_only_by_colour():
    root = trend(
        series=[
            Series("a", (0.1, 0.2, 0.3)),
            Series("b", (0.2, 0.3, 0.4), style="dashed"),
            Series("c", (0.3, 0.4, 0.5), style="dotted"),
        ]
    )

    dashes = [line.get("stroke-dasharray") for line in with_class(root, "line")]
    assert len(set(dashes)) == 3
    shapes = {
        point.get("data-series"): point[-1].tag.removeprefix(SVG)
        for point in with_class(root, "point")
    }
    assert len(set(shapes.values())) == 3


def test_an_unknown_style_is_refused():
    with pytest.raises(ValueError, match="style"):
        Series("a", (0.1,), style="wavy")


@pytest.mark.parametrize(
    ("shares", "goal"),
    [
        ((0.400, 0.405, 0.395), 0.4),
        ((0.184, 0.19), 0.2),  # the target line runs just above both points
        ((0.19, 0.184), 0.2),
        ((0.351, 0.355), 0.4),
        ((0.3, 0.6), 0.4),
    ],
)
def test_labels_of_close_points_do_not_overlap_and_keep_their_order(shares, goal):
    styles = ("solid", "dashed", "dotted")
    root = trend(
        series=[
            Series(f"系列{n}", (share, 0.2, 0.7), style=styles[n])  # 0.7: the axis to 80%
            for n, share in enumerate(shares)
        ],
        target=TargetLine((goal, 0.4, 0.4), "目標"),
    )

    x = category_x(root, "令和5年度")
    labels = {
        shown(t): float(t.get("y"))
        for t in texts(root, "point-label")
        if float(t.get("x")) == pytest.approx(x)
    }
    assert set(labels) == {percent_label(share) for share in shares}
    ys = sorted(labels.values())
    assert all(lower - upper >= 12 for upper, lower in zip(ys, ys[1:], strict=False))
    # The higher share's label is drawn higher up, as its point is.
    by_share = [labels[percent_label(share)] for share in sorted(shares, reverse=True)]
    assert by_share == sorted(by_share)


def test_a_category_may_take_two_lines():
    root = trend(
        categories=("令和6年度\n(2024)", "令和7年度\n(2025)"),
        series=[Series("件数ベース", (0.2, 0.3))],
    )

    first, second = (t for t in texts(root, "category") if shown(t) in ("令和6年度", "(2024)"))
    assert first.get("x") == second.get("x")
    assert float(second.get("y")) > float(first.get("y"))
    assert "令和6年度 (2024) 20.0%" in root.find(f"{SVG}desc").text


def test_with_no_value_at_all_the_axes_say_there_is_no_data():
    root = trend(series=[Series("件数ベース", (None, None, None))], target=None)

    assert strings(root, "message") == [_("No data for this period.")]
    assert "0%" in strings(root) and "令和5年度" in strings(root, "category")
    assert not with_class(root, "point") and not with_class(root, "line")
    assert not with_class(root, "legend")


def test_series_and_categories_must_match():
    with pytest.raises(ValueError):
        trend_chart(title="t", categories=YEARS, series=[Series("a", (0.1, 0.2))])
    with pytest.raises(ValueError):
        trend_chart(
            title="t", categories=YEARS, series=[Series("a", (0.1, 0.2, 0.3))], partial=(True,)
        )


def test_hostile_text_is_escaped_in_the_trend_chart():
    hostile = '<script>alert("x")</script> & \x01\x0b'
    markup = trend_chart(
        title=hostile,
        categories=(hostile, "令和6年度"),
        series=[Series(hostile, (0.2, 0.3))],
        target=TargetLine((0.4, 0.4), hostile),
    )

    root = parse(markup)
    assert not list(root.iter(f"{SVG}script"))
    assert "<script>" not in markup
    cleaned = '<script>alert("x")</script> & '  # control characters XML refuses dropped
    assert root.find(f"{SVG}title").text == cleaned
    assert cleaned in root.find(f"{SVG}desc").text
    assert tooltip(texts(root, "legend-label")[0]) == cleaned
    assert cleaned in [tooltip(t) or shown(t) for t in texts(root, "category")]


# --- bar chart ----------------------------------------------------------------------------


def bars_of(*bars, **kwargs):
    kwargs.setdefault("title", "部署別 キャッシュレス決済比率")
    kwargs.setdefault("value_label", "キャッシュレス")
    return parse(bar_chart(bars=list(bars), **kwargs))


def axis_x(root, percent):
    """Where the axis label ``percent`` ("50%") is drawn."""
    (tick,) = [t for t in texts(root) if shown(t) == percent]
    return float(tick.get("x"))


def rows(root):
    return with_class(root, "bar-row")


def value_bar(row):
    found = [rect for rect in row.iter(f"{SVG}rect") if "value" in rect.get("class", "")]
    return found[0] if found else None


def test_a_bar_is_as_long_as_its_share_of_the_axis():
    root = bars_of(Bar("市民課", 0.5), Bar("税務課", 0.25), Bar("福祉課", 1.0))

    zero, full = axis_x(root, "0%"), axis_x(root, "100%")
    half, quarter, whole = (value_bar(row) for row in rows(root))
    assert float(half.get("width")) == pytest.approx(2 * float(quarter.get("width")))
    assert float(half.get("width")) == pytest.approx((full - zero) / 2)
    assert float(whole.get("x")) + float(whole.get("width")) == pytest.approx(full)
    assert float(half.get("x")) == pytest.approx(zero)
    assert [axis_x(root, f"{n}%") for n in (25, 50, 75)] == pytest.approx(
        [zero + (full - zero) * n / 4 for n in (1, 2, 3)]
    )


def test_the_percent_is_written_at_the_end_of_its_bar():
    root = bars_of(Bar("市民課", 0.5, note="12/24件"), Bar("税務課", 0.25))

    for row, label in zip(rows(root), ("50.0%", "25.0%"), strict=True):
        (value,) = texts(row, "value")
        bar = value_bar(row)
        end = float(bar.get("x")) + float(bar.get("width"))
        assert shown(value) == label
        assert end < float(value.get("x")) < end + 12
    (note,) = texts(rows(root)[0], "note")
    assert shown(note) == "12/24件"


def test_a_share_without_payments_has_no_bar_and_a_dash():
    root = bars_of(Bar("環境政策課", None, note="0件"), Bar("市民課", 0.3))

    empty = rows(root)[0]
    assert value_bar(empty) is None
    assert strings(empty, "value") == ["—"]
    assert "環境政策課: キャッシュレス —" in root.find(f"{SVG}desc").text


def test_a_long_label_is_shortened_and_kept_whole_in_its_tooltip():
    long = "こども未来部 子育て支援課 保育・幼稚園入園係（とても長い名前の部署）"
    root = bars_of(Bar(long, 0.4), Bar("市民課", 0.3))

    long_label, short_label = texts(root, "bar-label")
    assert shown(long_label).endswith("…")
    assert long.startswith(shown(long_label)[:-1])
    assert len(shown(long_label)) < len(long)
    assert tooltip(long_label) == long
    assert shown(short_label) == "市民課" and tooltip(short_label) is None


def test_the_target_is_a_red_tick_at_its_share():
    root = bars_of(Bar("市民課", 0.42, target=0.4), Bar("税務課", 0.3), target_label="目標")

    zero, full = axis_x(root, "0%"), axis_x(root, "100%")
    (tick,) = with_class(root, "target-tick")
    red = [line for line in tick.iter(f"{SVG}line") if line.get("stroke") == "#c62828"]
    (line,) = red
    assert float(line.get("x1")) == pytest.approx(zero + 0.4 * (full - zero))
    assert line.get("x1") == line.get("x2")
    assert "目標" in strings(root, "legend-label")


def test_the_percent_steps_past_a_target_tick_it_would_cross():
    root = bars_of(Bar("税務課", 0.38, target=0.4), target_label="目標")

    (tick,) = with_class(root, "target-tick")
    tick_x = float(next(tick.iter(f"{SVG}line")).get("x1"))
    (value,) = texts(root, "value")
    assert float(value.get("x")) > tick_x


def test_a_secondary_share_is_hatched_below_the_main_bar():
    root = bars_of(
        Bar("市民課", 0.4, secondary=0.7),
        Bar("税務課", 0.3),
        secondary_label="コンビニ・口座振替を含む",
    )

    (secondary,) = with_class(root, "secondary")
    main = value_bar(rows(root)[0])
    assert float(secondary.get("y")) > float(main.get("y"))
    assert float(secondary.get("width")) == pytest.approx(1.75 * float(main.get("width")))
    pattern_id = re.fullmatch(r"url\(#(.+)\)", secondary.get("fill")).group(1)
    patterns = [p for p in root.iter(f"{SVG}pattern") if p.get("id") == pattern_id]
    assert len(patterns) == 1
    assert strings(root, "secondary-value") == ["70.0%"]
    assert "コンビニ・口座振替を含む" in strings(root, "legend-label")


def test_two_charts_on_one_page_do_not_share_a_pattern_id():
    first = bars_of(Bar("市民課", 0.4, secondary=0.7), title="決済手段別")
    second = bars_of(Bar("市民課", 0.4, secondary=0.7), title="部署別")

    ids = [next(root.iter(f"{SVG}pattern")).get("id") for root in (first, second)]
    assert ids[0] != ids[1]


def test_the_legend_names_only_what_is_drawn():
    root = bars_of(
        Bar("市民課", 0.4),
        Bar("税務課", 0.3),
        secondary_label="コンビニ・口座振替を含む",
        target_label="目標",
    )

    assert strings(root, "legend-label") == ["キャッシュレス"]


def test_the_chart_grows_a_fixed_height_per_row():
    def height(count):
        root = bars_of(*(Bar(f"部署{n}", 0.1 * n) for n in range(count)))
        return float(root.get("viewBox").split()[3])

    assert height(3) - height(2) == height(4) - height(3) > 0


def test_no_rows_say_there_is_nothing_to_show():
    root = bars_of()

    assert strings(root, "message") == [_("Nothing to show.")]
    assert not rows(root)
    assert root.find(f"{SVG}desc").text == _("Nothing to show.")


def test_hostile_text_is_escaped_in_the_bar_chart():
    hostile = "<script>alert(1)</script> & \x00\x1f"
    markup = bar_chart(
        title=hostile,
        bars=[Bar(hostile, 0.5, note=hostile)],
        value_label=hostile,
    )

    root = parse(markup)
    assert not list(root.iter(f"{SVG}script"))
    assert "<script>" not in markup
    assert strings(root, "bar-label")[0].startswith("<script>")
    assert tooltip(texts(root, "bar-label")[0]) == "<script>alert(1)</script> & "


def test_halves_round_up_as_in_the_workbook():
    # Excel shows 0.0625 in 0.0% as 6.3%; the screen must not say 6.2%.
    assert percent_label(1 / 16) == "6.3%"
    assert percent_label(0.00125) == "0.1%"
    assert percent_label(0.4) == "40.0%"
