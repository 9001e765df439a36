"""The KPI demo data of `manage.py load_demo` (fixtures/kpis.toml): monthly collection
results from FY2021 up to last month that meet the policy's reported figures, assessments
for every slip, demo targets, and a dashboard with something to show on every panel."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db.models import F, Sum
from django.utils import timezone

from catalog.fiscal import fiscal_year
from catalog.models import Assessment, Service
from channels.models import CollectionRecord, PaymentClass
from kpis.demo import last_full_month, load_demo_kpis, months_between, read_fixture
from kpis.models import Metric, Target
from kpis.selectors import dashboard_figures
from tests.conftest import load_demo

TODAY = dt.date(2026, 11, 25)
FIVE_RECEIVABLES = ["10101", "11101", "12101", "11201", "13101"]
DEMO_SOURCE = "デモ用の目標（架空）"


@pytest.fixture
def output(demo_once, db):
    return demo_once


def months():
    """FY2021's April up to the last full month, as the command loads them."""
    return list(months_between(dt.date(2021, 4, 1), last_full_month(timezone.localdate())))


def results(**filters):
    return CollectionRecord.objects.filter(**filters)


def totals(queryset):
    sums = queryset.aggregate(count=Sum("payment_count"), amount=Sum("amount"))
    return sums["count"] or 0, sums["amount"] or 0


def five_receivables(first, last):
    return results(service__code__in=FIVE_RECEIVABLES, period__range=(first, last))


def test_the_command_reports_what_it_created(output):
    years = fiscal_year(timezone.localdate()) - 2020

    assert "Collection results: " in output
    assert " created, 40 unchanged." in output  # the rollout demo's pilot months are kept
    assert f"Assessments: {8 * years} created, 0 unchanged." in output
    assert "KPI targets: 6 created, 0 unchanged." in output


def test_loading_twice_creates_nothing_more(output):
    def state():
        return {
            "records": list(CollectionRecord.objects.order_by("pk").values()),
            "assessments": list(Assessment.objects.order_by("pk").values()),
            "targets": list(Target.objects.order_by("pk").values()),
        }

    before = state()

    second = load_demo()

    assert f"Collection results: 0 created, {len(before['records'])} unchanged." in second
    assert f"Assessments: 0 created, {len(before['assessments'])} unchanged." in second
    assert "KPI targets: 0 created, 6 unchanged." in second
    assert state() == before


def test_a_deleted_month_comes_back_the_same(output):
    """Nothing is random: the generator computes the same numbers on every load."""
    month = results(service__code="11101", period=dt.date(2023, 7, 1))
    fields = ("method__code", "payment_count", "amount", "on_time_count")
    before = sorted(month.values_list(*fields))
    month.delete()

    counts = load_demo_kpis(read_fixture())

    assert counts["records_created"] == len(before)
    assert sorted(month.values_list(*fields)) == before


def test_the_five_receivables_meet_the_reported_cashless_figures(output):
    cashless = {"method__payment_class": PaymentClass.CASHLESS}

    fy2021 = five_receivables(dt.date(2021, 4, 1), dt.date(2022, 3, 1)).filter(**cashless)
    fy2022_nine_months = five_receivables(dt.date(2022, 4, 1), dt.date(2022, 12, 1)).filter(
        **cashless
    )

    assert totals(fy2021) == (43_007, 789_000_000)
    assert totals(fy2022_nine_months) == (46_985, 812_000_000)


def test_about_seventy_percent_of_the_five_receivables_are_paid_outside_the_counter(output):
    fy2021 = five_receivables(dt.date(2021, 4, 1), dt.date(2022, 3, 1))
    everything, _ = totals(fy2021)
    outside, _ = totals(fy2021.exclude(method__payment_class=PaymentClass.CASH))

    assert 0.65 <= outside / everything <= 0.75


def test_the_five_receivables_are_paid_at_realistic_volumes(output):
    fy2021 = five_receivables(dt.date(2021, 4, 1), dt.date(2022, 3, 1))
    for code in ("10101", "11101"):
        count, amount = totals(fy2021.filter(service__code=code))
        assert count >= 100_000  # hundreds of thousands a year
        assert amount / count >= 10_000  # tens of thousands of yen a payment
    _, everything = totals(fy2021)
    _, cashless = totals(fy2021.filter(method__payment_class=PaymentClass.CASHLESS))
    _, bank_transfer = totals(fy2021.filter(method__code="bank_transfer"))
    assert cashless / everything < 0.05  # by amount: a few percent, far from 40%
    assert bank_transfer / everything > 0.3


def test_every_service_has_cash_results_every_month(output):
    expected = {(service.pk, period) for service in Service.objects.all() for period in months()}

    cash = set(
        results(method__payment_class=PaymentClass.CASH, period__lte=months()[-1]).values_list(
            "service_id", "period"
        )
    )

    assert Service.objects.count() == 35
    assert cash == expected
    assert not results(period__gt=months()[-1]).exists()  # nothing for months not over yet


def test_slips_are_paid_in_cash_at_counters_and_banks_counters_at_the_counter(output):
    slip_cash = set(
        results(service__route=Service.Route.SLIP, method__payment_class=PaymentClass.CASH)
        .values_list("method__code", flat=True)
        .distinct()
        .order_by()
    )
    counter_cash = set(
        results(service__route=Service.Route.COUNTER, method__payment_class=PaymentClass.CASH)
        .values_list("method__code", flat=True)
        .distinct()
        .order_by()
    )

    assert slip_cash == {"cash_counter", "cash_bank"}
    assert counter_cash == {"cash_counter"}


@pytest.mark.parametrize(
    "service, method, first_month",
    [
        ("20101", "credit_card", dt.date(2024, 10, 1)),  # tourist pilot at 出島
        ("20103", "qr_user_scan", dt.date(2024, 10, 1)),  # and 亀山社中記念館
        ("16101", "e_money", dt.date(2024, 4, 1)),  # central center pilot: 住民票の写し
        ("16102", "credit_card", dt.date(2025, 4, 1)),  # its rollout
        ("16106", "online_card", dt.date(2024, 4, 1)),  # e-application pilot
        ("10101", "pay_easy", dt.date(2023, 4, 1)),  # slips' test operation
        ("11101", "pay_easy", dt.date(2024, 4, 1)),  # slips' full launch
        ("14101", "convenience_store", dt.date(2023, 4, 1)),
        ("10101", "smartphone_slip", dt.date(2021, 4, 1)),  # before FY2021
        ("13101", "bank_transfer", dt.date(2021, 4, 1)),
    ],
)
def test_a_non_cash_method_has_results_from_the_month_its_channel_came_into_use(
    output, service, method, first_month
):
    periods = list(
        results(service__code=service, method__code=method).values_list("period", flat=True)
    )

    assert min(periods) == first_month
    assert max(periods) == months()[-1]


def test_no_non_cash_result_before_its_month_and_only_where_the_table_says(output):
    starts = {}
    for group in read_fixture()["groups"]:
        for entry in group.get("methods", []):
            for code in group["services"]:
                start = entry["from"]
                start = start.get(code) if isinstance(start, dict) else start
                if start:
                    starts[code, entry["method"]] = dt.date.fromisoformat(start + "-01")
    rows = (
        results()
        .exclude(method__payment_class=PaymentClass.CASH)
        .values_list("service__code", "method__code", "period")
    )

    for code, method, period in rows:
        assert (code, method) in starts, (code, method)
        assert period >= starts[code, method], (code, method, period)


@pytest.mark.parametrize("code", ["15101", "15102", "20111", "20112"])
def test_services_with_only_draft_channels_are_paid_in_cash_only(output, code):
    classes = set(
        results(service__code=code).values_list("method__payment_class", flat=True).distinct()
    )

    assert classes == {PaymentClass.CASH}


def test_counter_fees_are_paid_on_the_spot_at_the_standard_amount(output):
    counter = results(service__route=Service.Route.COUNTER)

    assert counter.exists()
    assert not counter.exclude(amount=F("payment_count") * F("service__standard_amount")).exists()
    assert not counter.exclude(on_time_count=F("payment_count")).exists()


def test_slips_are_mostly_paid_on_time_and_a_little_more_each_year(output):
    rates = []
    for year in range(2021, 2026):
        sums = results(
            service__route=Service.Route.SLIP,
            period__range=(dt.date(year, 4, 1), dt.date(year + 1, 3, 1)),
        ).aggregate(on_time=Sum("on_time_count"), count=Sum("payment_count"))
        rates.append(sums["on_time"] / sums["count"])

    assert not results().filter(on_time_count__gt=F("payment_count")).exists()
    assert all(0.85 <= rate <= 0.93 for rate in rates), rates
    assert rates == sorted(rates)


def test_every_slip_service_has_an_assessment_for_every_year(output):
    current = fiscal_year(timezone.localdate())
    slips = Service.objects.filter(route=Service.Route.SLIP)

    assessed = set(Assessment.objects.values_list("service_id", "fiscal_year"))

    assert slips.count() == 8
    assert assessed == {(s.pk, year) for s in slips for year in range(2021, current + 1)}


def test_collection_rates_are_high_improve_and_the_current_year_is_partial(output):
    def rate(year):
        assessed = Assessment.objects.filter(fiscal_year=year).aggregate(a=Sum("amount"))["a"]
        _, collected = totals(
            results(
                service__route=Service.Route.SLIP,
                period__range=(dt.date(year, 4, 1), dt.date(year + 1, 3, 1)),
            )
        )
        return collected / assessed

    past = [rate(year) for year in range(2021, 2026)]

    assert all(0.95 <= value <= 0.99 for value in past), past
    assert past == sorted(past)
    if fiscal_year(timezone.localdate()) == 2026 and timezone.localdate().month != 4:
        assert rate(2026) < past[-1]  # months still to come


def test_demo_targets_sit_beside_the_national_one(output):
    demo = Target.objects.filter(source=DEMO_SOURCE)

    assert demo.count() == 6
    city = {(t.metric, t.fiscal_year, str(t.percent)) for t in demo.filter(service=None)}
    assert city == {
        (Metric.COLLECTION_RATE, 2026, "98.0"),
        (Metric.ON_TIME_RATE, 2026, "90.0"),
    }
    assert demo.filter(service__isnull=False).count() == 4
    assert demo.get(service__code="20101").percent == 50
    national = Target.objects.filter(metric=Metric.CASHLESS_SHARE_AMOUNT, service=None)
    assert national.count() == 1 and national.get().fiscal_year == 2025


@pytest.fixture
def kaikei(output):
    return get_user_model().objects.get(username="kaikei")


@pytest.fixture
def kanko(output):
    return get_user_model().objects.get(username="kanko")


def test_finance_sees_every_headline_and_a_rising_trend(kaikei):
    figures = dashboard_figures(kaikei, today=TODAY)

    assert figures.periods.fiscal_year == 2026 and figures.periods.months >= 7  # Apr–Oct
    for headline in figures.headlines:
        assert headline.value is not None, headline.key
    trend = {year.fiscal_year: year.totals for year in figures.trend}
    by_amount = [trend[year].cashless_share_amount for year in range(2021, 2026)]
    by_count = [trend[year].cashless_share_count for year in range(2021, 2026)]
    assert by_amount == sorted(by_amount) and by_amount[0] < by_amount[-1]
    assert by_count == sorted(by_count) and by_count[0] < by_count[-1]
    assert by_amount[-1] < 0.40  # the city is far from the national goal
    reported = {year.fiscal_year: year.reported for year in figures.trend}
    assert reported[2021] == (("徴収一元化5債権", 12, 43_007, 789_000_000),)


def test_the_dashboard_lists_services_below_target(kaikei):
    figures = dashboard_figures(kaikei, today=TODAY)
    by_service = {group.key: group.totals for group in figures.by_service}
    dejima = Service.objects.get(code="20101")

    assert figures.below_target
    assert {item.service.code for item in figures.below_target} & {"14101", "15101", "15102"}
    # A pilot tourist facility is near the national 40% by amount.
    assert by_service[dejima.pk].cashless_share_amount >= 0.35


def test_the_department_administrator_sees_only_their_departments(kanko):
    figures = dashboard_figures(kanko, today=TODAY)
    theirs = set(
        Service.objects.filter(department__in=kanko.administered_departments.all()).values_list(
            "pk", flat=True
        )
    )

    shown = {group.key for group in figures.by_service}
    assert shown == theirs
    assert Service.objects.get(code="20101").pk in shown
    assert Service.objects.get(code="10101").pk not in shown
    assert all(year.reported == () for year in figures.trend)  # city-wide figures: not theirs


def test_the_results_are_loaded_without_demo_users_too(db, settings):
    settings.DEMO_USERS_ALLOWED = False

    output = load_demo()

    assert "Demo users are created with development settings only." in output
    assert "KPI targets: " in output
    assert results(period=months()[-1]).exists()
    assert Target.objects.filter(source=DEMO_SOURCE).count() == 6
