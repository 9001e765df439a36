"""KPI factories: collection results, assessments and targets made by hand, and a city of
two departments whose dashboard each test can read.

``record(service, "credit_card", "2025-04", payments, amount, on_time=None)`` writes one
month of results (on time = all payments unless told); ``assess(service, 2025, amount)``
an assessment; ``set_target(metric, 2025, "40.0", service=None)`` a target.
``scoped_city`` is ``two_departments`` (tests/conftest.py) with results in the current and
the last fiscal year, a published channel, a wave each and a reported figure — numbers
chosen so that each department's figures differ from the city's (see its docstring).
"""

import datetime as dt

import pytest
from django.utils import timezone

from catalog.fiscal import fiscal_year
from catalog.models import Assessment, ReportedFigure
from channels.models import CollectionRecord, PaymentMethod
from kpis.models import Target
from tests.channels import conftest as channel_fixtures
from workflows.services import plan_create

# The channel factories, shared with the channel tests.
make_channel = channel_fixtures.make_channel
make_service_for = channel_fixtures.make_service_for


def month(text):
    """``"2025-04"`` → the first day of that month, as results are stored."""
    year, number = (int(part) for part in text.split("-"))
    return dt.date(year, number, 1)


def current_fy():
    """The fiscal year the dashboard shows by default (the views take no ``today``)."""
    return fiscal_year(timezone.localdate())


@pytest.fixture
def record(db):
    def make(service, method_code, period, payments, amount, on_time=None):
        return CollectionRecord.objects.create(
            service=service,
            method=PaymentMethod.objects.get(code=method_code),
            period=month(period) if isinstance(period, str) else period,
            payment_count=payments,
            amount=amount,
            on_time_count=payments if on_time is None else on_time,
        )

    return make


@pytest.fixture
def assess(db):
    def make(service, fiscal_year, amount):
        return Assessment.objects.create(service=service, fiscal_year=fiscal_year, amount=amount)

    return make


@pytest.fixture
def set_target(db):
    def make(metric, fiscal_year, percent, service=None):
        target = Target(metric=metric, fiscal_year=fiscal_year, percent=percent, service=service)
        target.full_clean()
        target.save()
        return target

    return make


@pytest.fixture
def make_plan(db):
    """``make_plan(name, services, schedule=())``: a credit-card wave of ``services``."""

    def make(name, services, schedule=()):
        return plan_create(
            name=name,
            methods=[PaymentMethod.objects.get(code="credit_card")],
            services=[(service, index == 0) for index, service in enumerate(services)],
            schedule=schedule,
        )

    return make


@pytest.fixture
def scoped_city(two_departments, record, make_channel, make_plan):
    """Ours (観光施設課: 出島 入場料) and theirs (納税課: 市税 証明), both counter services.

    This fiscal year (April):
      ours   cash 3 payments ¥3,000 + card 1 ¥7,000  → cashless 25.0% by count, 70.0% by amount
      theirs cash 7 payments ¥4,321,000
      city   11 payments ¥4,331,000, cashless 1/11 = 9.1% by count, 7,000/4,331,000 = 0.2%
    Last fiscal year (April, the same month):
      ours   cash 1 ¥1,000 + card 1 ¥1,000 → 50.0%;  city adds theirs' cash 1 ¥1,000 → 33.3%
    Channels: ours has a published card channel, theirs none → coverage 100.0% / 50.0%.
    Waves: 出島の導入 (ours), 納税課の導入 (theirs). A reported figure of 98,765 payments.
    """
    fy = current_fy()
    ours, theirs = two_departments["our_service"], two_departments["their_service"]
    record(ours, "cash_counter", f"{fy}-04", 3, 3_000)
    record(ours, "credit_card", f"{fy}-04", 1, 7_000)
    record(theirs, "cash_counter", f"{fy}-04", 7, 4_321_000)
    record(ours, "cash_counter", f"{fy - 1}-04", 1, 1_000)
    record(ours, "credit_card", f"{fy - 1}-04", 1, 1_000)
    record(theirs, "cash_counter", f"{fy - 1}-04", 1, 1_000)
    make_channel("credit_card", service=ours, publish=True)
    ReportedFigure.objects.create(
        fiscal_year=fy - 1, scope="全庁", months=12, payment_count=98_765, amount=12_345_678
    )
    return {
        **two_departments,
        "fy": fy,
        "our_wave": make_plan("出島の導入", [ours]),
        "their_wave": make_plan("納税課の導入", [theirs]),
    }
