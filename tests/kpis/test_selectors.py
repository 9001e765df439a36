"""What the dashboard reads from the database (kpis/selectors.py): the same definitions as
test_figures.py, now from collection records, assessments, channels and targets, narrowed
to the departments the user works on."""

import datetime as dt

import pytest

from catalog import roles
from catalog.models import Service
from channels.services import channel_unpublish
from kpis.models import Metric
from kpis.selectors import dashboard_figures, months_with_results, wave_statuses
from workflows.phases import Phase

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 25)  # FY2026, results usually in up to October


def headline(figures, key):
    return next(item for item in figures.headlines if item.key == key)


def share(value):
    return pytest.approx(value, abs=1e-9)


def trend(figures):
    return {year.fiscal_year: year for year in figures.trend}


@pytest.fixture
def counter(make_service, make_department):
    return make_service(name="住民票 交付手数料", department=make_department(name="市民課"))


@pytest.fixture
def slip(make_service, make_department):
    return make_service(
        name="市県民税 普通徴収",
        route=Service.Route.SLIP,
        kind=Service.Kind.TAX,
        department=make_department(name="納税課"),
    )


@pytest.fixture
def city_2025(counter, slip, record):
    """FY2025 results (the same as CITY_ROWS in test_figures.py), spread over the year:
    counter  cash 30 ¥30,000, card 10 ¥50,000                       (on time: all)
    slip     cash at a bank 20 ¥120,000 (10 on time), convenience store 20 ¥100,000 (18),
             account transfer 10 ¥50,000 (10), smartphone slip payment 10 ¥50,000 (7)
    """
    record(counter, "cash_counter", "2025-04", 30, 30_000)
    record(counter, "credit_card", "2025-09", 10, 50_000)
    record(slip, "cash_bank", "2025-06", 20, 120_000, on_time=10)
    record(slip, "convenience_store", "2025-06", 20, 100_000, on_time=18)
    record(slip, "bank_transfer", "2026-03", 10, 50_000, on_time=10)
    record(slip, "smartphone_slip", "2025-12", 10, 50_000, on_time=7)


def test_shares_and_rates_are_read_from_the_collection_records(finance, city_2025, slip, assess):
    assess(slip, 2025, 400_000)
    figures = dashboard_figures(finance, year=2025, today=TODAY)
    # 100 payments, ¥400,000. Cashless (card, smartphone slip payment): 20 and ¥100,000.
    assert headline(figures, "cashless_share_count").value == share(0.20)
    assert headline(figures, "cashless_share_amount").value == share(0.25)
    # Not cash: card 10 + convenience 20 + account 10 + smartphone 10 = 50 of 100.
    assert headline(figures, "outside_share_count").value == share(0.50)
    # The slip service only: (10 + 18 + 10 + 7) / 60 = 75% (with the counter: 85%).
    assert headline(figures, "on_time_rate").value == share(0.75)
    # The slip service collected ¥320,000 of ¥400,000; the counter fee has no assessment.
    assert headline(figures, "collection_rate").value == share(0.80)
    # The results reach March 2026: the whole year.
    assert figures.periods.months == 12
    # The national goal (40% by amount in FY2025) is seeded in every database.
    assert headline(figures, "cashless_share_amount").target == share(0.40)


def test_an_assessment_without_results_is_a_collection_rate_of_zero(
    finance, city_2025, counter, slip, make_service, assess
):
    unpaid = make_service(name="固定資産税", route=Service.Route.SLIP, kind=Service.Kind.TAX)
    assess(slip, 2025, 400_000)
    assess(unpaid, 2025, 240_000)
    figures = dashboard_figures(finance, year=2025, today=TODAY)
    # (320,000 + 0) / (400,000 + 240,000) = 50%.
    assert headline(figures, "collection_rate").value == share(0.50)
    rates = {group.label: group.totals.collection_rate for group in figures.by_service}
    assert rates[f"{unpaid.code} 固定資産税"] == 0
    assert rates[f"{slip.code} 市県民税 普通徴収"] == share(0.80)
    assert rates[f"{counter.code} 住民票 交付手数料"] is None  # no assessment: no rate
    # Its collection rate (0%) is known, so it is compared, not counted apart; with no
    # collection-rate target set, it is listed for nothing.
    assert figures.without_results == 0
    assert unpaid.code not in [item.service.code for item in figures.below_target]


def test_coverage_counts_only_published_channels(finance, make_service_for, make_channel):
    card = make_service_for("credit_card", name="カード")
    make_channel("credit_card", service=card, publish=True)
    convenience = make_service_for("convenience_store", name="コンビニ")
    make_channel("convenience_store", service=convenience, publish=True)
    draft = make_service_for("credit_card", name="下書き")
    make_channel("credit_card", service=draft)
    switched_off = make_service_for("credit_card", name="停止")
    channel_unpublish(channel=make_channel("credit_card", service=switched_off, publish=True))
    make_service_for("credit_card", name="チャネルなし")

    figures = dashboard_figures(finance, today=TODAY)
    # Cashless: the card service only → 1 of 5. Wider: card and convenience store → 2 of 5.
    assert headline(figures, "coverage").value == share(0.20)
    assert figures.coverage.wider_share == share(0.40)
    routes = {
        row.key: (row.services, row.cashless, row.any_channel) for row in figures.coverage_by_route
    }
    assert routes == {"counter": (4, 1, 1), "slip": (1, 0, 1)}


def test_march_belongs_to_the_fiscal_year_before_april(finance, counter, record):
    record(counter, "cash_counter", "2024-04", 1, 100)  # FY2024's first month
    record(counter, "cash_counter", "2025-03", 2, 200)  # FY2024's last month
    record(counter, "credit_card", "2025-04", 4, 400)  # FY2025's first month
    record(counter, "credit_card", "2026-03", 8, 800)  # FY2025's last month
    record(counter, "credit_card", "2026-04", 16, 1_600)  # FY2026

    figures = dashboard_figures(finance, year=2025, today=TODAY)
    years = trend(figures)
    assert (years[2024].totals.count, years[2024].totals.amount) == (3, 300)
    assert (years[2025].totals.count, years[2025].totals.amount) == (12, 1_200)
    assert 2026 not in years
    assert headline(figures, "cashless_share_count").value == 1
    # FY2025 runs to March: compared with all of FY2024, cash only.
    assert headline(figures, "cashless_share_count").last_year == 0
    assert months_with_results(Service.objects.all(), 2024, TODAY) == 12
    assert months_with_results(Service.objects.all(), 2026, TODAY) == 1


def test_a_past_year_whose_results_begin_midway_is_not_shown_as_complete(
    finance, make_service, record
):
    counter = make_service()
    record(counter, "cash_counter", "2021-11", 1, 100)  # results kept from November only
    record(counter, "cash_counter", "2022-03", 1, 100)
    record(counter, "cash_counter", "2022-04", 1, 100)
    record(counter, "credit_card", "2023-03", 1, 100)
    years = trend(dashboard_figures(finance, year=2023, today=TODAY))
    assert (years[2021].months, years[2022].months, years[2023].months) == (5, 12, 0)


def test_a_month_still_to_come_does_not_complete_the_running_year(finance, make_service, record):
    counter = make_service()
    record(counter, "cash_counter", "2026-04", 1, 100)
    record(counter, "cash_counter", "2026-10", 1, 100)
    record(counter, "cash_counter", "2027-03", 1, 100)  # mistyped: March has not come yet
    figures = dashboard_figures(finance, year=2026, today=TODAY)
    assert figures.periods.months == 7  # April to October, as on 2026-11-25
    assert figures.trend[-1].months == 7


def test_a_year_in_progress_is_compared_with_last_years_same_months(finance, counter, record):
    # Today is 25 November 2026; the results reach October 2026 (7 months).
    for number in (4, 5, 6, 7, 8, 9, 10):
        record(counter, "cash_counter", f"2026-{number:02}", 1, 1_000)  # 50% this year
        record(counter, "credit_card", f"2026-{number:02}", 1, 1_000)
        record(counter, "cash_counter", f"2025-{number:02}", 3, 3_000)  # 25% last year
        record(counter, "credit_card", f"2025-{number:02}", 1, 1_000)
    # November 2025 and March 2026 are past last year's comparison months. Counted, last
    # year would be (7 + 100 + 100) / (28 + 200) = 90.8%.
    record(counter, "credit_card", "2025-11", 100, 100_000)
    record(counter, "credit_card", "2026-03", 100, 100_000)

    figures = dashboard_figures(finance, today=TODAY)
    assert figures.periods.fiscal_year == 2026
    assert figures.periods.months == 7
    item = headline(figures, "cashless_share_count")
    assert item.value == share(0.50)
    assert item.last_year == share(0.25)
    assert item.change == pytest.approx(25.0)
    # FY2025's trend total keeps every month: 7 × 4 + 100 + 100 = 228 payments.
    years = trend(figures)
    assert years[2025].totals.count == 228
    assert years[2025].totals.amount == 228_000
    assert (years[2025].months, years[2026].months) == (12, 7)


def test_a_year_without_results_shows_no_figures(finance, counter, record):
    record(counter, "credit_card", "2025-04", 1, 1_000)
    figures = dashboard_figures(finance, today=TODAY)  # FY2026: nothing yet
    assert figures.periods.months == 0
    values = {item.key: (item.value, item.last_year) for item in figures.headlines}
    assert values == {
        "cashless_share_amount": (None, None),  # last year: none of April–(nothing)
        "cashless_share_count": (None, None),
        "outside_share_count": (None, None),
        "collection_rate": (None, None),
        "on_time_rate": (None, None),
        "coverage": (0, None),  # one service, no channel: a real 0%
    }
    assert figures.year_totals.count == 0
    assert figures.without_results == 1


def test_a_user_whose_departments_have_no_services_sees_nothing(
    make_user, make_department, counter, record, make_channel
):
    record(counter, "credit_card", "2026-04", 1, 1_000)
    make_channel("credit_card", service=counter, publish=True)
    user = make_user(roles.DEPARTMENT_ADMIN, departments=[make_department(name="空の課")])
    figures = dashboard_figures(user, today=TODAY)
    assert [item.value for item in figures.headlines] == [None] * 6
    assert figures.by_service == ()
    assert figures.by_department == ()
    assert figures.coverage.services == 0
    assert figures.year_totals.count == 0
    assert figures.periods.months == 0
    assert wave_statuses(user, today=TODAY) == []


def test_a_services_own_target_replaces_the_city_wide_one(
    finance, city_2025, counter, slip, set_target
):
    # Counter: ¥50,000 of ¥80,000 = 62.5% by amount, above the city-wide 40% but below its
    # own 70% (set for FY2027: the nearest not passed). Slip: ¥50,000 of ¥320,000 = 15.6%,
    # below 40%; its own 10% target for FY2024 has passed but still applies → not below.
    set_target(Metric.CASHLESS_SHARE_AMOUNT, 2027, "70.0", service=counter)
    set_target(Metric.CASHLESS_SHARE_AMOUNT, 2024, "10.0", service=slip)
    figures = dashboard_figures(finance, year=2025, today=TODAY)
    found = [(item.service.id, item.metric, item.target) for item in figures.below_target]
    assert found == [(counter.pk, Metric.CASHLESS_SHARE_AMOUNT, share(0.70))]
    assert figures.below_target[0].gap == pytest.approx(-7.5)
    # The headline keeps the city-wide target.
    assert headline(figures, "cashless_share_amount").target == share(0.40)


def test_city_wide_targets_of_other_metrics_apply_to_headlines_and_services(
    finance, city_2025, slip, assess, set_target
):
    assess(slip, 2025, 400_000)
    set_target(Metric.COLLECTION_RATE, 2030, "98.5")
    set_target(Metric.ON_TIME_RATE, 2024, "90.0")
    figures = dashboard_figures(finance, year=2025, today=TODAY)
    assert headline(figures, "collection_rate").target == share(0.985)
    assert headline(figures, "on_time_rate").target == share(0.90)
    # The year is complete (results up to March): 80% is judged below 98.5%.
    assert headline(figures, "collection_rate").below
    # The slip service falls short three times: by amount 15.625% < 40% (−24.375 points),
    # collection 80% < 98.5% (−18.5), on time 75% < 90% (−15). It is listed once, by its
    # largest gap; the counter service (62.5% by amount, no assessment, no slips) not at all.
    below = [(item.service.id, item.metric, item.gap) for item in figures.below_target]
    assert below == [(slip.pk, Metric.CASHLESS_SHARE_AMOUNT, pytest.approx(-24.375))]
    # Its own 10% goal by amount met, its largest shortfall is the collection rate.
    set_target(Metric.CASHLESS_SHARE_AMOUNT, 2025, "10.0", service=slip)
    figures = dashboard_figures(finance, year=2025, today=TODAY)
    below = [(item.service.id, item.metric, item.gap) for item in figures.below_target]
    assert below == [(slip.pk, Metric.COLLECTION_RATE, pytest.approx(-18.5))]


# -- departments -----------------------------------------------------------------------------


def test_a_department_administrator_sees_only_their_departments(scoped_city, department_admin):
    fy = scoped_city["fy"]
    figures = dashboard_figures(department_admin)
    ours = scoped_city["our_service"]
    assert [group.key for group in figures.by_service] == [ours.pk]
    assert [group.key for group in figures.by_department] == [scoped_city["ours"].pk]
    # Ours only: 4 payments, ¥10,000, card ¥7,000 → 70%; last year 1 of 2 → 50%.
    assert (figures.year_totals.count, figures.year_totals.amount) == (4, 10_000)
    assert sum(group.totals.count for group in figures.by_method) == 4
    item = headline(figures, "cashless_share_amount")
    assert (item.value, item.last_year) == (share(0.70), share(0.50))
    assert headline(figures, "coverage").value == 1
    assert trend(figures)[fy - 1].totals.count == 2
    # The policy's reported figures are city-wide: not theirs to see.
    assert all(year.reported == () for year in figures.trend)
    assert figures.below_target == ()


def test_finance_sees_every_department(scoped_city, finance):
    fy = scoped_city["fy"]
    figures = dashboard_figures(finance)
    assert {group.key for group in figures.by_service} == {
        scoped_city["our_service"].pk,
        scoped_city["their_service"].pk,
    }
    # 11 payments, ¥4,331,000, card ¥7,000; last year 3 payments, card 1, ¥1,000 of ¥3,000.
    assert (figures.year_totals.count, figures.year_totals.amount) == (11, 4_331_000)
    item = headline(figures, "cashless_share_amount")
    assert item.value == share(7_000 / 4_331_000)
    assert item.last_year == share(1 / 3)
    assert headline(figures, "cashless_share_count").value == share(1 / 11)
    assert headline(figures, "coverage").value == share(0.5)
    assert trend(figures)[fy - 1].reported == (("全庁", 12, 98_765, 12_345_678),)
    # Theirs, all cash, is 40 points below the national goal that still applies.
    assert [(item.service.id, round(item.gap)) for item in figures.below_target] == [
        (scoped_city["their_service"].pk, -40)
    ]


def test_the_months_compared_are_those_of_the_users_own_services(
    scoped_city, department_admin, finance, record
):
    fy = scoped_city["fy"]
    # Theirs has results up to October; ours only April. Finance compares April–October of
    # last year, the department administrator April only.
    record(scoped_city["their_service"], "cash_counter", f"{fy}-10", 1, 1_000)
    record(scoped_city["our_service"], "credit_card", f"{fy - 1}-07", 2, 2_000)
    assert dashboard_figures(finance).periods.months == 7
    mine = dashboard_figures(department_admin)
    assert mine.periods.months == 1
    # Ours last year in April: 1 of 2 by count (July's card payments are not compared).
    assert headline(mine, "cashless_share_count").last_year == share(0.5)


def test_waves_are_those_the_user_may_see(
    scoped_city, department_admin, finance, make_plan, make_service
):
    assert [w.name for w in wave_statuses(department_admin, today=TODAY)] == ["出島の導入"]
    assert {w.name for w in wave_statuses(finance, today=TODAY)} == {"出島の導入", "納税課の導入"}
    # A wave covering one of theirs and two of ours is theirs too, listed once.
    ours = scoped_city["ours"]
    make_plan(
        "合同の導入",
        [scoped_city["their_service"], scoped_city["our_service"], make_service(department=ours)],
    )
    names = [w.name for w in wave_statuses(department_admin, today=TODAY)]
    assert sorted(names) == ["出島の導入", "合同の導入"]


def test_a_wave_lists_its_late_phases(make_plan, counter, finance):
    make_plan(
        "遅れている波",
        [counter],
        schedule=[
            # Started on time, planned to end in June 2026, still running.
            {
                "phase": Phase.PILOT,
                "planned_start": dt.date(2026, 4, 1),
                "planned_end": dt.date(2026, 6, 1),
                "actual_start": dt.date(2026, 4, 1),
            },
            # Planned from September 2026, not started.
            {"phase": Phase.ROLLOUT, "planned_start": dt.date(2026, 9, 1)},
        ],
    )
    (late,) = wave_statuses(finance, today=TODAY)
    assert late.late
    assert late.late_phases == (str(Phase.PILOT.label), str(Phase.ROLLOUT.label))
    (on_time,) = wave_statuses(finance, today=dt.date(2026, 5, 15))
    assert not on_time.late


def test_the_first_trend_year_is_compared_with_the_year_before(finance, counter, record):
    """FY2021 is the trend's first year and can be chosen; its last year is FY2020."""
    record(counter, "cash_counter", "2020-04", 1, 1_000)  # FY2020: all cash
    record(counter, "credit_card", "2021-04", 1, 1_000)  # FY2021: all cashless
    figures = dashboard_figures(finance, year=2021, today=TODAY)
    item = headline(figures, "cashless_share_count")
    assert item.value == 1
    assert item.last_year == 0  # FY2020's April, cash only
