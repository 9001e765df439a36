"""The KPI definitions on numbers made by hand (kpis/figures.py): no database.

Every expected figure is worked out in a comment beside the data, so a change in a
definition shows as a changed number here.
"""

import datetime as dt

import pytest

from kpis.figures import BELOW_TARGET_LIMIT, Totals, applying_target, build_figures, ratio
from kpis.inputs import MethodInfo, Periods, ResultRow, ServiceInfo, TargetInfo
from kpis.models import Metric

CASH, CONVENIENCE, ACCOUNT, CARD = 1, 2, 3, 4
METHODS = {
    CASH: MethodInfo(CASH, "現金（市の窓口）", "cash", "現金"),
    CONVENIENCE: MethodInfo(CONVENIENCE, "コンビニ収納", "convenience_store", "コンビニ"),
    ACCOUNT: MethodInfo(ACCOUNT, "口座振替", "account", "口座"),
    CARD: MethodInfo(CARD, "クレジットカード", "cashless", "キャッシュレス"),
}
AMOUNT = Metric.CASHLESS_SHARE_AMOUNT
COUNT = Metric.CASHLESS_SHARE_COUNT


def service(pk, route="counter", department=1):
    return ServiceInfo(
        id=pk,
        code=f"{pk:05d}",
        name=f"手数料{pk}",
        route=route,
        route_label=route,
        department_id=department,
        department=f"部署{department}",
    )


def row(service_id, method_id, count, amount, *, on_time=None, fy=2025, same_period=False):
    return ResultRow(
        fiscal_year=fy,
        same_period=same_period,
        service_id=service_id,
        method_id=method_id,
        count=count,
        amount=amount,
        on_time=count if on_time is None else on_time,
    )


def target(share, fiscal_year, metric=AMOUNT, service_id=None):
    return TargetInfo(metric=metric, service_id=service_id, fiscal_year=fiscal_year, share=share)


def figures(
    services,
    rows=(),
    *,
    assessments=None,
    channel_classes=None,
    targets=(),
    periods=None,
):
    return build_figures(
        periods=periods or Periods(fiscal_year=2025, months=12),
        services={s.id: s for s in services},
        methods=METHODS,
        rows=list(rows),
        assessments=assessments or {},
        channel_classes=channel_classes or {},
        targets=list(targets),
    )


def headline(result, key):
    return next(item for item in result.headlines if item.key == key)


def share(value):
    return pytest.approx(value, abs=1e-9)


# A counter service A and a slip service B, in FY2025:
#   A (counter)  cash  30 payments ¥30,000           card 10 ¥50,000        (on time: all 40)
#   B (slip)     cash  20 ¥120,000 (10 on time)      convenience 20 ¥100,000 (18 on time)
#                account 10 ¥50,000 (10 on time)     card 10 ¥50,000 (7 on time)
# All: 100 payments, ¥400,000.
A, B = service(1, "counter"), service(2, "slip")
CITY_ROWS = [
    row(A.id, CASH, 30, 30_000),
    row(A.id, CARD, 10, 50_000),
    row(B.id, CASH, 20, 120_000, on_time=10),
    row(B.id, CONVENIENCE, 20, 100_000, on_time=18),
    row(B.id, ACCOUNT, 10, 50_000, on_time=10),
    row(B.id, CARD, 10, 50_000, on_time=7),
]


def test_ratio_is_none_when_there_is_nothing_to_divide_by():
    assert ratio(1, 4) == 0.25
    assert ratio(0, 4) == 0
    assert ratio(0, 0) is None


def test_cashless_share_counts_only_cashless_methods_by_count_and_by_amount():
    result = figures([A, B], CITY_ROWS)
    # Cashless: A's card and B's card: 10 + 10 = 20 of 100 payments; ¥100,000 of ¥400,000.
    # (Convenience store and account transfer are not cashless.)
    assert headline(result, "cashless_share_count").value == share(0.20)
    assert headline(result, "cashless_share_amount").value == share(0.25)


def test_paid_outside_the_counter_counts_every_method_but_cash():
    result = figures([A, B], CITY_ROWS)
    # Not cash: A card 10 + B convenience 20 + account 10 + card 10 = 50 of 100.
    assert headline(result, "outside_share_count").value == share(0.50)


def test_the_on_time_rate_counts_slip_services_only():
    result = figures([A, B], CITY_ROWS)
    # B only: (10 + 18 + 10 + 7) / 60 = 45/60 = 75%. Counting A's counter payments would
    # give (40 + 45) / 100 = 85%.
    assert headline(result, "on_time_rate").value == share(0.75)
    by_service = {group.key: group.totals for group in result.by_service}
    assert by_service[A.id].on_time_rate is None
    assert by_service[B.id].on_time_rate == share(0.75)


def test_the_collection_rate_divides_collected_by_assessed_over_assessed_services():
    # B assessed ¥400,000, collected ¥320,000 → 80%. A has no assessment: its ¥80,000 would
    # make it 100%.
    result = figures([A, B], CITY_ROWS, assessments={(2025, B.id): 400_000})
    assert headline(result, "collection_rate").value == share(0.80)
    by_service = {group.key: group.totals for group in result.by_service}
    assert by_service[A.id].collection_rate is None
    assert by_service[B.id].collection_rate == share(0.80)


def test_an_assessed_service_without_results_collected_nothing():
    c = service(3, "slip")
    # C assessed ¥240,000, nothing collected: (320,000 + 0) / (400,000 + 240,000) = 50%.
    result = figures(
        [A, B, c],
        CITY_ROWS,
        assessments={(2025, B.id): 400_000, (2025, c.id): 240_000},
    )
    assert headline(result, "collection_rate").value == share(0.50)
    by_service = {group.key: group.totals for group in result.by_service}
    assert by_service[c.id].collection_rate == 0
    # An assessment of another year does not count in this one.
    other_year = figures([A, B], CITY_ROWS, assessments={(2024, B.id): 1_000})
    assert headline(other_year, "collection_rate").value is None


def test_coverage_counts_services_with_a_published_cashless_channel():
    c = service(3, "slip")
    # A: a cashless channel; B: a convenience-store channel only; C: none.
    result = figures(
        [A, B, c],
        channel_classes={A.id: {"cashless"}, B.id: {"convenience_store"}},
    )
    assert headline(result, "coverage").value == share(1 / 3)
    assert (result.coverage.services, result.coverage.cashless) == (3, 1)
    assert result.coverage.wider_share == share(2 / 3)
    routes = {r.key: (r.services, r.cashless, r.any_channel) for r in result.coverage_by_route}
    assert routes == {"counter": (1, 1, 1), "slip": (2, 0, 1)}


def test_a_year_without_results_has_no_figures_rather_than_zero():
    result = figures([A, B], [row(A.id, CARD, 5, 5_000, fy=2024)])
    for item in result.headlines:
        if item.key == "coverage":
            assert item.value == 0  # two services, no channel: a real 0%
            continue
        assert item.value is None, item.key
        assert item.change is None, item.key
    assert result.periods.months == 12
    totals = result.year_totals
    assert (totals.count, totals.amount) == (0, 0)
    assert totals.cashless_share_amount is None
    assert all(group.totals.cashless_share_count is None for group in result.by_service)
    assert result.below_target == ()
    assert result.without_results == 2


def test_no_services_at_all_has_no_figures_not_even_coverage():
    result = figures([], [row(A.id, CARD, 5, 5_000)])  # a row of a service out of scope
    assert [item.value for item in result.headlines] == [None] * 6
    assert result.coverage.share is None
    assert result.by_service == ()
    assert result.by_department == ()
    assert result.year_totals.count == 0
    assert result.by_method == ()


def test_rows_of_services_outside_the_scope_are_left_out():
    result = figures([A], CITY_ROWS)
    # A alone: 40 payments, card 10 → 25%; ¥80,000, card ¥50,000 → 62.5%.
    assert result.year_totals.count == 40
    assert headline(result, "cashless_share_count").value == share(0.25)
    assert headline(result, "cashless_share_amount").value == share(0.625)
    # Methods nobody in scope paid by (here convenience store and account) are left out.
    assert {group.key: group.totals.count for group in result.by_method} == {CASH: 30, CARD: 10}


def test_a_year_in_progress_is_compared_with_the_same_months_of_last_year():
    periods = Periods(fiscal_year=2026, months=7)  # April–October 2026
    rows = [
        # FY2026, April–October: cash 7 ¥7,000, card 7 ¥7,000 → 50% by count and amount.
        row(A.id, CASH, 7, 7_000, fy=2026),
        row(A.id, CARD, 7, 7_000, fy=2026),
        # FY2025, April–October (the same months): cash 21 ¥21,000, card 7 ¥7,000 → 25%.
        row(A.id, CASH, 21, 21_000, fy=2025, same_period=True),
        row(A.id, CARD, 7, 7_000, fy=2025, same_period=True),
        # FY2025, November–March: card 100 ¥100,000. Counted, last year would be
        # 107/128 = 83.6%.
        row(A.id, CARD, 100, 100_000, fy=2025, same_period=False),
    ]
    result = figures([A], rows, periods=periods)
    item = headline(result, "cashless_share_count")
    assert item.value == share(0.50)
    assert item.last_year == share(0.25)
    assert item.change == pytest.approx(25.0)
    trend = {year.fiscal_year: year for year in result.trend}
    # The whole of FY2025 still counts in its trend: 21 + 7 + 100 = 128 payments.
    assert (trend[2025].totals.count, trend[2025].totals.amount) == (128, 128_000)
    assert (trend[2025].months, trend[2026].months) == (12, 7)
    assert list(trend) == [2021, 2022, 2023, 2024, 2025, 2026]
    # The method table is this year's only.
    assert {g.key: g.totals.count for g in result.by_method}[CARD] == 7


@pytest.mark.parametrize(
    "months, end",
    [
        (0, dt.date(2025, 4, 1)),  # nothing yet: nothing to compare
        (1, dt.date(2025, 5, 1)),  # April
        (7, dt.date(2025, 11, 1)),  # April–October
        (9, dt.date(2026, 1, 1)),  # April–December: the month after is next January
        (12, dt.date(2026, 4, 1)),  # the whole year
    ],
)
def test_last_year_is_compared_up_to_the_month_after_this_years_results(months, end):
    assert Periods(fiscal_year=2026, months=months).comparison_end() == end


def test_the_breakdowns_add_up_to_the_years_totals():
    c = service(3, "e_application", department=2)
    rows = [*CITY_ROWS, row(c.id, CARD, 5, 20_000), row(c.id, CARD, 99, 99_000, fy=2024)]
    result = figures([A, B, c], rows)
    # FY2025: 100 + 5 = 105 payments, ¥420,000; FY2024's row stays in FY2024.
    assert (result.year_totals.count, result.year_totals.amount) == (105, 420_000)
    departments = {g.key: (g.totals.count, g.totals.amount) for g in result.by_department}
    assert departments == {1: (100, 400_000), 2: (5, 20_000)}
    routes = {g.key: (g.totals.count, g.totals.amount) for g in result.by_route}
    assert routes == {"counter": (40, 80_000), "slip": (60, 320_000), "e_application": (5, 20_000)}
    methods = {g.key: g.totals.count for g in result.by_method}
    assert methods == {CASH: 50, CONVENIENCE: 20, ACCOUNT: 10, CARD: 25}
    assert [g.note for g in result.by_method] == ["現金", "コンビニ", "口座", "キャッシュレス"]


def test_headline_change_is_in_percentage_points():
    result = figures(
        [A],
        [
            row(A.id, CARD, 1, 300, fy=2025),  # 1 of 4 → 25%
            row(A.id, CASH, 3, 700, fy=2025),
            row(A.id, CARD, 1, 100, fy=2024, same_period=True),  # 1 of 5 → 20%
            row(A.id, CASH, 4, 900, fy=2024, same_period=True),
        ],
    )
    assert headline(result, "cashless_share_count").change == pytest.approx(5.0)
    # By amount: 300/1,000 = 30% against 100/1,000 = 10%: +20 points.
    assert headline(result, "cashless_share_amount").change == pytest.approx(20.0)


# -- targets -------------------------------------------------------------------------------

CITY_2025 = target(0.40, 2025)
CITY_2030 = target(0.60, 2030)
OWN_2027 = target(0.50, 2027, service_id=7)
OTHER_METRIC = target(0.95, 2025, metric=Metric.COLLECTION_RATE, service_id=7)
TARGETS = [CITY_2030, OWN_2027, CITY_2025, OTHER_METRIC]  # in no particular order


@pytest.mark.parametrize(
    "fiscal_year, service_id, expected",
    [
        (2023, None, CITY_2025),  # the nearest target year not passed
        (2025, None, CITY_2025),  # its own year has not passed yet
        (2026, None, CITY_2030),  # 2025 has passed: the next one
        (2031, None, CITY_2030),  # after the last one it keeps applying
        (2026, 7, OWN_2027),  # the service's own beats the city-wide one
        (2029, 7, OWN_2027),  # …even once passed, the city-wide 2030 notwithstanding
        (2026, 8, CITY_2030),  # a service without its own: the city-wide one
    ],
)
def test_applying_target(fiscal_year, service_id, expected):
    assert applying_target(TARGETS, AMOUNT, fiscal_year, service_id) == expected


def test_no_target_for_the_metric_is_none():
    assert applying_target(TARGETS, Metric.ON_TIME_RATE, 2025) is None
    assert applying_target([], AMOUNT, 2025, 7) is None
    # Service 7's collection-rate target is its own: city-wide there is none.
    assert applying_target(TARGETS, Metric.COLLECTION_RATE, 2025) is None
    assert applying_target(TARGETS, Metric.COLLECTION_RATE, 2025, 7) == OTHER_METRIC


def test_headlines_and_trend_carry_the_city_wide_target_of_each_year():
    result = figures([A], CITY_ROWS, targets=[CITY_2025, OWN_2027], periods=Periods(2025, 12))
    assert headline(result, "cashless_share_amount").target == 0.40
    assert headline(result, "cashless_share_count").target is None
    assert headline(result, "coverage").target is None
    assert [year.target for year in result.trend] == [0.40] * 5  # FY2021–2025
    assert "40%" in result.target_label
    assert figures([A], CITY_ROWS).target_label == ""


def test_below_target_lists_the_largest_gaps_first_at_most_ten():
    # Services 101–112 with a cashless share by amount of 3 × i % (i = 0…11): all below
    # the 40% target, gaps −40, −37, … −7 points. Service 120 is at 50% (above it);
    # services 130 and 131 have no results; 130 has an assessment, so its collection rate
    # (0%) is known and it is compared (no collection-rate target: not listed).
    below = [service(101 + i) for i in range(12)]
    above = service(120)
    quiet = [service(130, "slip"), service(131)]
    rows = [row(s.id, CARD, 1, 3 * i) for i, s in enumerate(below)]
    rows += [row(s.id, CASH, 1, 100 - 3 * i) for i, s in enumerate(below)]
    rows += [row(above.id, CARD, 1, 50), row(above.id, CASH, 1, 50)]
    result = figures(
        [*below, above, *quiet],
        rows,
        targets=[CITY_2025],
        assessments={(2025, 130): 10_000},
    )
    assert len(result.below_target) == BELOW_TARGET_LIMIT == 10
    assert [item.service.id for item in result.below_target] == [101 + i for i in range(10)]
    assert [round(item.gap) for item in result.below_target] == [-40 + 3 * i for i in range(10)]
    assert {item.metric for item in result.below_target} == {AMOUNT}
    assert result.below_target[0].value == 0 and result.below_target[0].target == 0.40
    assert result.without_results == 1


def test_an_assessed_receivable_nobody_paid_is_below_its_collection_target():
    unpaid = service(140, "slip")
    result = figures(
        [unpaid],
        [],
        targets=[target(0.98, 2025, metric=Metric.COLLECTION_RATE)],
        assessments={(2025, 140): 10_000},
    )
    assert [(item.metric, item.value, item.target) for item in result.below_target] == [
        (Metric.COLLECTION_RATE, 0, 0.98)
    ]
    assert result.without_results == 0


def test_below_target_uses_the_services_own_target():
    # A: cashless ¥50,000 of ¥80,000 = 62.5%, 7.5 points below its own 70% (above the
    # city-wide 40%). B: ¥50,000 of ¥320,000 = 15.6%, below the city-wide 40%. C: 20%, not
    # below its own 10% though under the city-wide one.
    c = service(3)
    rows = [*CITY_ROWS, row(c.id, CARD, 1, 20), row(c.id, CASH, 1, 80)]  # C: 20%
    result = figures(
        [A, B, c],
        rows,
        targets=[CITY_2025, target(0.70, 2025, service_id=A.id), target(0.10, 2025, service_id=3)],
    )
    found = {(item.service.id, item.metric): item for item in result.below_target}
    assert set(found) == {(A.id, AMOUNT), (B.id, AMOUNT)}
    assert found[(A.id, AMOUNT)].gap == pytest.approx(-7.5)
    assert found[(B.id, AMOUNT)].value == share(50_000 / 320_000)
    assert [item.service.id for item in result.below_target] == [B.id, A.id]


def test_below_target_lists_each_service_once_by_its_largest_gap():
    # A: 62.5% by amount against 70% (−7.5 points) and 25% by count against 40% (−15).
    result = figures(
        [A],
        CITY_ROWS,
        targets=[target(0.70, 2025), target(0.40, 2025, metric=COUNT)],
    )
    found = [(item.service.id, item.metric, item.gap) for item in result.below_target]
    assert found == [(A.id, COUNT, pytest.approx(-15.0))]


def test_the_collection_rate_is_judged_only_once_the_year_is_complete():
    # B collected ¥320,000 of ¥400,000 (80%) against a 98.5% target. By October most of the
    # year's assessment is still to come, so it is not yet "below".
    collection = [target(0.985, 2030, metric=Metric.COLLECTION_RATE)]
    assessments = {(2025, B.id): 400_000}
    running = figures(
        [A, B],
        CITY_ROWS,
        assessments=assessments,
        targets=collection,
        periods=Periods(2025, 7),
    )
    item = headline(running, "collection_rate")
    assert (item.value, item.target) == (share(0.80), 0.985)
    assert not item.judged and not item.below
    assert running.below_target == ()
    complete = figures([A, B], CITY_ROWS, assessments=assessments, targets=collection)
    assert headline(complete, "collection_rate").below
    found = [(item.service.id, item.metric, item.gap) for item in complete.below_target]
    assert found == [(B.id, Metric.COLLECTION_RATE, pytest.approx(-18.5))]
    # Other indicators are judged at once.
    early = figures([A, B], CITY_ROWS, targets=[CITY_2025], periods=Periods(2025, 7))
    assert headline(early, "cashless_share_amount").below  # 25% < 40%


def test_totals_add_up_field_by_field():
    first = Totals(count=2, amount=10, cashless_count=1, collected=5, assessed=8)
    first += Totals(count=3, amount=20, cashless_count=2, collected=1, assessed=2)
    assert (first.count, first.amount, first.cashless_count) == (5, 30, 3)
    assert first.collection_rate == share(0.6)
    assert first.value(Metric.CASHLESS_SHARE_COUNT) == share(0.6)


def test_the_target_label_keeps_a_decimal_target():
    result = figures([service(101)], targets=[target(0.425, 2027)])
    assert "42.5%" in result.target_label and "40" not in result.target_label
