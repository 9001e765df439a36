"""The rollout timeline: what the Gantt chart, its table, the Excel download and the admin
screen show, and to whom."""

import datetime as dt
import io
import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from channels.models import PaymentMethod
from workflows.models import PlanPhase, RolloutPlan
from workflows.phases import ORDER, Phase
from workflows.services import plan_create
from workflows.timeline import (
    Progress,
    Timeline,
    TimelineGroup,
    TimelineRow,
    build_timeline,
    render_svg,
    timeline_workbook,
)

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
TODAY = dt.date(2024, 10, 15)
D = dt.date


def add_schedule(plan, **phases):
    """Schedule rows: ``pilot=(planned_start, planned_end, actual_start, actual_end)``."""
    for phase, (planned_start, planned_end, actual_start, actual_end) in phases.items():
        entry = PlanPhase(
            plan=plan,
            phase=phase,
            sort_order=ORDER.index(phase) if phase in ORDER else len(ORDER),
            planned_start=planned_start,
            planned_end=planned_end,
            actual_start=actual_start,
            actual_end=actual_end,
        )
        entry.full_clean()
        entry.save()
    return plan


@pytest.fixture
def scheduled_wave(make_wave):
    """A wave in its horizontal rollout: study and preparation done on time, the pilot
    done late, the rollout open since 2024-07-01 (planned to the end of 2024), full launch
    planned for FY2025."""
    wave = make_wave(phase=Phase.ROLLOUT, channels=False)
    return add_schedule(
        wave,
        full_launch=(D(2025, 4, 1), D(2026, 3, 1), None, None),
        study=(D(2023, 4, 1), D(2023, 6, 1), D(2023, 4, 3), D(2023, 6, 30)),
        rollout=(D(2024, 7, 1), D(2024, 12, 1), D(2024, 7, 1), None),
        pilot=(D(2023, 10, 1), D(2024, 3, 1), D(2023, 10, 2), D(2024, 6, 30)),
        preparation=(D(2023, 7, 1), D(2023, 9, 1), D(2023, 7, 1), D(2023, 9, 29)),
    )


def timeline_of(*plans, first_fy=2022, last_fy=2026, today=TODAY):
    return build_timeline(
        RolloutPlan.objects.filter(pk__in=[plan.pk for plan in plans]),
        first_fy=first_fy,
        last_fy=last_fy,
        today=today,
    )


def near(value):
    """Coordinates are written with two decimals."""
    return pytest.approx(value, abs=0.01)


def parse(svg):
    return ET.fromstring(svg)


def classes(element):
    return element.get("class", "").split()


def month_column(root, year_month):
    """(left, right) of the header cell of a month, e.g. ``"2024-04"``."""
    cell = root.find(f".//{SVG}rect[@data-month='{year_month}']")
    left = float(cell.get("x"))
    return left, left + float(cell.get("width"))


def row_of(root, phase, wave=0):
    return root.findall(f"{SVG}g[@class='wave']")[wave].find(f"{SVG}g[@data-phase='{phase}']")


def bar(root, phase, kind, wave=0):
    """(left, right, element) of a row's planned or actual bar, or None."""
    for rect in row_of(root, phase, wave).iter(f"{SVG}rect"):
        if kind in classes(rect):
            left = float(rect.get("x"))
            return left, left + float(rect.get("width")), rect
    return None


def today_x(root):
    line = root.find(f".//{SVG}g[@class='today']/{SVG}line")
    return float(line.get("x1"))


def texts(element):
    return ["".join(text.itertext()) for text in element.iter(f"{SVG}text")]


# --- build_timeline ------------------------------------------------------------------------


def test_rows_follow_the_policy_order_with_suspension_last(scheduled_wave):
    add_schedule(scheduled_wave, suspended=(None, None, D(2022, 5, 1), D(2022, 6, 1)))
    timeline = timeline_of(scheduled_wave)

    (group,) = timeline.groups
    assert group.wave == scheduled_wave.name
    assert group.phase_label == str(Phase.ROLLOUT.label)
    assert [row.phase for row in group.rows] == [
        Phase.STUDY,
        Phase.PREPARATION,
        Phase.PILOT,
        Phase.ROLLOUT,
        Phase.FULL_LAUNCH,
        Phase.SUSPENDED,
    ]
    assert [row.phase_label for row in group.rows][:2] == [
        str(Phase.STUDY.label),
        str(Phase.PREPARATION.label),
    ]
    assert timeline.rows == group.rows


def test_rows_carry_whole_months_actual_days_status_and_lateness(scheduled_wave):
    rows = {row.phase: row for row in timeline_of(scheduled_wave).rows}

    pilot = rows[Phase.PILOT]
    assert (pilot.planned_start, pilot.planned_end) == (D(2023, 10, 1), D(2024, 3, 31))
    assert (pilot.actual_start, pilot.actual_end) == (D(2023, 10, 2), D(2024, 6, 30))
    assert pilot.progress == Progress.DONE and pilot.late  # ran three months past its plan
    assert pilot.status == _("%(status)s (late)") % {"status": _("Done")}

    rollout = rows[Phase.ROLLOUT]
    assert rollout.actual_end is None and rollout.actual_bar_end == TODAY  # open: runs to today
    assert rollout.progress == Progress.IN_PROGRESS and not rollout.late
    assert rollout.status == _("In progress")

    launch = rows[Phase.FULL_LAUNCH]
    assert launch.actual_start is None and launch.actual_bar_end is None
    assert launch.status == _("Not started") and not launch.late

    assert rows[Phase.STUDY].status == _("Done") and not rows[Phase.STUDY].late


def test_a_phase_not_started_after_its_start_month_is_late(make_wave):
    wave = add_schedule(make_wave(channels=False), pilot=(D(2024, 8, 1), D(2024, 9, 1), None, None))
    (row,) = timeline_of(wave).rows
    assert row.late and row.progress == Progress.NOT_STARTED
    assert row.status == _("%(status)s (late)") % {"status": _("Not started")}


def test_many_waves_take_a_handful_of_queries(make_wave, django_assert_max_num_queries):
    waves = [
        add_schedule(
            make_wave(name=f"波{number}", channels=False),
            study=(D(2022, 4, 1), D(2022, 9, 1), D(2022, 4, 1), None),
            preparation=(D(2022, 10, 1), D(2023, 3, 1), None, None),
        )
        for number in range(8)
    ]
    with django_assert_max_num_queries(2):
        timeline = timeline_of(*waves)
    assert len(timeline.groups) == 8 and len(timeline.rows) == 16


def test_a_backwards_range_is_refused(scheduled_wave):
    with pytest.raises(ValueError):
        timeline_of(scheduled_wave, first_fy=2026, last_fy=2022)


# --- render_svg ----------------------------------------------------------------------------


def test_the_chart_is_an_accessible_scalable_svg_that_loads_nothing(scheduled_wave):
    svg = render_svg(timeline_of(scheduled_wave))
    root = parse(svg)

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img" and root.get("width") == "100%"
    assert root.get("viewBox").startswith("0 0 ")
    assert "令和4年度 (2022)" in root.get("aria-label")
    assert root.find(f"{SVG}title").text == root.get("aria-label")
    assert "Noto Sans CJK JP" in root.get("style")
    assert not list(root.iter(f"{SVG}script")) and not list(root.iter(f"{SVG}image"))
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_the_header_has_each_fiscal_year_over_twelve_months_from_april(scheduled_wave):
    root = parse(render_svg(timeline_of(scheduled_wave)))
    labels = texts(root)
    for label in ["令和4年度 (2022)", "令和6年度 (2024)", "令和8年度 (2026)"]:
        assert label in labels
    months = root.findall(f".//{SVG}rect[@class='month']")
    assert len(months) == 60
    assert months[0].get("data-month") == "2022-04" and months[-1].get("data-month") == "2027-03"
    april, may = month_column(root, "2024-04"), month_column(root, "2024-05")
    assert april[1] == may[0]  # adjacent columns of one width


def test_planned_bars_cover_their_months_and_actual_bars_their_days(scheduled_wave):
    root = parse(render_svg(timeline_of(scheduled_wave)))

    left, right, _rect = bar(root, Phase.PILOT, "planned")
    assert left == near(month_column(root, "2023-10")[0])
    assert right == near(month_column(root, "2024-03")[1])

    left, right, _rect = bar(root, Phase.PREPARATION, "actual")
    assert left == near(month_column(root, "2023-07")[0])  # 1 July
    september = month_column(root, "2023-09")
    assert right == near(september[0] + (september[1] - september[0]) * 29 / 30)

    planned_top = float(bar(root, Phase.PILOT, "planned")[2].get("y"))
    actual = bar(root, Phase.PILOT, "actual")[2]
    assert float(actual.get("y")) > planned_top  # the actual bar runs below the plan
    assert bar(root, Phase.FULL_LAUNCH, "actual") is None  # not started: no actual bar


def test_the_today_line_is_drawn_and_an_open_phase_runs_up_to_it(scheduled_wave):
    root = parse(render_svg(timeline_of(scheduled_wave)))
    today = root.find(f".//{SVG}g[@class='today']")
    assert today.get("data-date") == "2024-10-15"
    assert any("2024" in text and "10" in text and "15" in text for text in texts(today))
    october = month_column(root, "2024-10")
    assert october[0] < today_x(root) < october[1]

    left, right, _rect = bar(root, Phase.ROLLOUT, "actual")
    assert left == near(month_column(root, "2024-07")[0])
    assert right == near(today_x(root))


def test_no_today_line_when_today_is_outside_the_range(scheduled_wave):
    root = parse(render_svg(timeline_of(scheduled_wave, first_fy=2020, last_fy=2021)))
    assert root.find(f".//{SVG}g[@class='today']") is None


def test_a_late_phase_is_outlined_and_marked(scheduled_wave):
    root = parse(render_svg(timeline_of(scheduled_wave)))

    pilot = row_of(root, Phase.PILOT)
    assert pilot.get("data-late") == "true"
    assert _("Late") in texts(pilot)
    for kind in ("planned", "actual"):
        rect = bar(root, Phase.PILOT, kind)[2]
        assert "late" in classes(rect) and rect.get("stroke") == "#c62828"

    study = row_of(root, Phase.STUDY)
    assert study.get("data-late") == "false" and _("Late") not in texts(study)
    assert "late" not in classes(bar(root, Phase.STUDY, "planned")[2])


def test_planned_and_actual_differ_without_colour_and_the_legend_explains_them(scheduled_wave):
    root = parse(render_svg(timeline_of(scheduled_wave)))
    planned, actual = bar(root, Phase.STUDY, "planned")[2], bar(root, Phase.STUDY, "actual")[2]
    assert planned.get("fill").startswith("url(#")  # hatched
    assert actual.get("fill").startswith("#")  # solid
    assert float(actual.get("height")) < float(planned.get("height"))
    legend = texts(root.find(f".//{SVG}g[@class='legend']"))
    for word in (_("Planned"), _("Actual"), _("Today"), _("Late")):
        assert word in legend


def test_bars_are_clipped_to_the_range_and_show_where_they_run_on(scheduled_wave):
    root = parse(render_svg(timeline_of(scheduled_wave, first_fy=2024, last_fy=2024)))
    first, last = month_column(root, "2024-04")[0], month_column(root, "2025-03")[1]

    # The pilot (October 2023 – June 2024) starts before FY2024: cut at the left edge.
    left, right, _rect = bar(root, Phase.PILOT, "actual")
    assert left == near(first)
    assert right == near(month_column(root, "2024-06")[1])
    cuts = row_of(root, Phase.PILOT).findall(f".//{SVG}polygon")
    assert cuts and all("cut" in classes(cut) for cut in cuts)

    # Full launch (FY2025) lies wholly after the range: no bar, an arrow at the right edge.
    assert bar(root, Phase.FULL_LAUNCH, "planned") is None
    (arrow,) = row_of(root, Phase.FULL_LAUNCH).findall(f".//{SVG}polygon")
    assert float(arrow.get("points").split()[0].split(",")[0]) == near(last)

    # The study (April – June 2023) lies before it: nothing reaches into the chart.
    study = row_of(root, Phase.STUDY)
    assert bar(root, Phase.STUDY, "planned") is None
    for arrow in study.findall(f".//{SVG}polygon"):
        assert max(float(p.split(",")[0]) for p in arrow.get("points").split()) <= first + 10


def test_wave_names_are_escaped(make_wave):
    wave = make_wave(name='<script>alert("x")</script> & Co', channels=False)
    add_schedule(wave, study=(D(2024, 4, 1), D(2024, 6, 1), None, None))
    svg = render_svg(timeline_of(wave))
    assert "<script" not in svg
    root = parse(svg)
    assert not list(root.iter(f"{SVG}script"))
    name = root.find(f".//{SVG}text[@class='wave-name']")
    assert name.find(f"{SVG}title").text == '<script>alert("x")</script> & Co'


def test_long_names_are_shortened_and_waves_without_a_schedule_are_listed():
    long_name = "窓口キャッシュレス" * 6
    timeline = Timeline(
        first_fy=2022,
        last_fy=2026,
        today=TODAY,
        groups=(TimelineGroup(long_name, "検討", ()),),
    )
    root = parse(render_svg(timeline))
    name = root.find(f".//{SVG}text[@class='wave-name']")
    assert name.find(f"{SVG}title").text == long_name
    assert "".join(name.itertext()).endswith("…")
    assert _("No schedule yet") in texts(root)


def test_a_timeline_without_waves_says_so():
    root = parse(render_svg(Timeline(2022, 2026, TODAY, ())))
    assert _("No rollout waves to show.") in texts(root)


# --- timeline_workbook ---------------------------------------------------------------------


def test_the_workbook_has_the_table_with_real_dates(scheduled_wave):
    book = load_workbook(io.BytesIO(timeline_workbook(timeline_of(scheduled_wave))))
    sheet = book.active

    assert sheet.title == _("Rollout timeline")
    header = [cell.value for cell in sheet[1]]
    assert header == [
        _("Rollout wave"),
        _("Phase"),
        _("Planned start"),
        _("Planned end"),
        _("Actual start"),
        _("Actual end"),
        _("Status"),
    ]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"

    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert [row[1] for row in rows] == [
        str(label)
        for label in (Phase.STUDY.label, Phase.PREPARATION.label, Phase.PILOT.label)
        + (Phase.ROLLOUT.label, Phase.FULL_LAUNCH.label)
    ]
    pilot = rows[2]
    assert pilot[0] == scheduled_wave.name
    assert pilot[2:6] == [
        dt.datetime(2023, 10, 1),
        dt.datetime(2024, 3, 31),
        dt.datetime(2023, 10, 2),
        dt.datetime(2024, 6, 30),
    ]
    assert pilot[6] == _("%(status)s (late)") % {"status": _("Done")}
    assert rows[3][5] is None  # the open rollout has no actual end
    assert sheet["C4"].number_format == 'yyyy"年"m"月"'
    assert sheet["E4"].number_format == "yyyy/m/d"
    assert sheet.column_dimensions["A"].width >= len(scheduled_wave.name) * 2


def test_workbook_text_cannot_run_as_a_formula(make_wave):
    wave = make_wave(name='=HYPERLINK("http://evil.example","x")', channels=False)
    add_schedule(wave, study=(D(2024, 4, 1), D(2024, 6, 1), None, None))
    sheet = load_workbook(io.BytesIO(timeline_workbook(timeline_of(wave)))).active
    assert sheet["A2"].value == "'" + wave.name
    assert sheet["A2"].data_type == "s"


def test_a_wave_without_a_schedule_still_gets_a_row():
    timeline = Timeline(2022, 2026, TODAY, (TimelineGroup("予定なし", "検討", ()),))
    sheet = load_workbook(io.BytesIO(timeline_workbook(timeline))).active
    assert [cell.value for cell in sheet[2]][0] == "予定なし"
    assert sheet.max_row == 2


def test_hand_made_rows_render_the_same_way():
    """Rows do not need the database: the chart draws what a Timeline holds."""
    row = TimelineRow(
        wave="波",
        phase=Phase.PILOT,
        phase_label="先行導入",
        planned_start=D(2022, 4, 1),
        planned_end=D(2022, 4, 30),
        actual_start=None,
        actual_end=None,
        actual_bar_end=None,
        progress=Progress.NOT_STARTED,
        late=False,
    )
    root = parse(
        render_svg(Timeline(2022, 2026, TODAY, (TimelineGroup("波", "先行導入", (row,)),)))
    )
    left, right, _rect = bar(root, Phase.PILOT, "planned")
    assert (left, right) == near(month_column(root, "2022-04"))


# --- the admin screen ----------------------------------------------------------------------


@pytest.fixture
def other_wave(make_service_for, make_department):
    """A wave of another department's service, with a schedule."""
    service = make_service_for("credit_card", department=make_department(name="納税課"))
    return plan_create(
        name="他課の導入計画",
        methods=[PaymentMethod.objects.get(code="credit_card")],
        services=[(service, True)],
        schedule=[
            {"phase": Phase.STUDY, "planned_start": D(2024, 4, 1), "planned_end": D(2024, 9, 1)}
        ],
    )


def test_finance_sees_the_chart_the_table_and_the_export_link(client, approver, scheduled_wave):
    client.force_login(approver)
    response = client.get(reverse("rollout_timeline"))
    assert response.status_code == 200
    page = response.content.decode()

    assert "<svg" in page and 'role="img"' in page
    assert "令和4年度 (2022)" in page and "令和8年度 (2026)" in page
    table = response.context["timeline"]
    assert [row.phase for row in table.rows][:3] == [Phase.STUDY, Phase.PREPARATION, Phase.PILOT]
    assert scheduled_wave.name in page and _("%(status)s (late)") % {"status": _("Done")} in page
    assert "rollout-timeline-table" in page
    export = reverse("rollout_timeline_xlsx") + "?first_fy=2022&amp;last_fy=2026"
    assert export in page


def test_a_department_admin_sees_only_the_waves_of_their_departments(
    client, requester, scheduled_wave, other_wave
):
    client.force_login(requester)
    page = client.get(reverse("rollout_timeline")).content.decode()
    assert scheduled_wave.name in page
    assert other_wave.name not in page

    response = client.get(reverse("rollout_timeline_xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == {scheduled_wave.name}


def test_finance_sees_every_department(client, approver, scheduled_wave, other_wave):
    client.force_login(approver)
    page = client.get(reverse("rollout_timeline")).content.decode()
    assert scheduled_wave.name in page and other_wave.name in page


def test_a_user_without_the_view_permission_is_turned_away(client, scheduled_wave):
    user = get_user_model().objects.create_user(username="visitor", password="pw-for-tests-only")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    client.force_login(user)
    for name in ("rollout_timeline", "rollout_timeline_xlsx"):
        response = client.get(reverse(name))
        assert response.status_code in (302, 403)
        assert scheduled_wave.name.encode() not in response.content


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(reverse("rollout_timeline"))
    assert response.status_code == 302 and "login" in response.url


def test_a_chosen_range_is_drawn_and_exported(client, approver, scheduled_wave):
    client.force_login(approver)
    response = client.get(reverse("rollout_timeline"), {"first_fy": 2024, "last_fy": 2025})
    assert response.status_code == 200
    root = parse(str(response.context["chart"]))
    assert len(root.findall(f".//{SVG}rect[@class='month']")) == 24
    assert "first_fy=2024&amp;last_fy=2025" in response.content.decode()

    download = client.get(reverse("rollout_timeline_xlsx"), {"first_fy": 2024, "last_fy": 2025})
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert download["Content-Disposition"] == (
        'attachment; filename="rollout-timeline-FY2024-FY2025.xlsx"; '
        "filename*=UTF-8''rollout-timeline-FY2024-FY2025.xlsx"
    )
    assert load_workbook(io.BytesIO(download.content)).active.max_row == 6


@pytest.mark.parametrize(
    "query",
    [
        {"first_fy": "abc"},
        {"first_fy": "2026", "last_fy": "2022"},  # backwards
        {"first_fy": "1999", "last_fy": "2026"},  # not a choice
        {"last_fy": "<script>"},
    ],
)
def test_a_bad_range_falls_back_to_the_default_with_a_message(client, approver, query):
    client.force_login(approver)
    response = client.get(reverse("rollout_timeline"), query)
    assert response.status_code == 200
    assert response.context["problem"]
    assert response.context["timeline"].first_fy == 2022
    assert response.context["timeline"].last_fy == 2026
    page = response.content.decode()
    assert "help-block" in page and "<script>" not in page.split("<main", 1)[1]

    download = client.get(reverse("rollout_timeline_xlsx"), query)
    assert download.status_code == 200
    assert "FY2022-FY2026" in download["Content-Disposition"]


def test_the_page_prints_only_the_heading_chart_and_table(client, approver):
    client.force_login(approver)
    page = client.get(reverse("rollout_timeline")).content.decode()
    assert "@media print" in page
    print_css = page.split("@media print", 1)[1]
    assert "#wagtail-sidebar" in print_css and ".rollout-timeline-range" in print_css
