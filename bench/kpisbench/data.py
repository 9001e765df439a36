"""The data the dashboard reads, made as the app makes it where that matters: departments and
services from the catalog's upserts (``department_upsert``, ``service_upsert``: history
and revisions), one service in five with a channel from ``channel_create(publish=True)``,
an assessment (調定額) per slip service and fiscal year, a few targets and reported
figures, a finance user and a department administrator; then the monthly collection
results (収納実績), written with ``bulk_create``: staff import them, and how they got in
does not change what the dashboard reads.

Every number comes from a generator seeded with its service and month, so a row is the
same whichever pass writes it: the bench measures a small data set first, then grows the
same database to the full one (:func:`grow` adds only what is missing). The cashless share
grows over the years (about 20% of the amount in FY2021, 45% in FY2026), as the city's does.

Django must be set up before these functions run; the app's imports are inside them.
"""

import datetime as dt
import random
import time
from dataclasses import dataclass

from apibench.data import channel_config
from apibench.errors import BenchError

DEPARTMENTS = [f"{900 + index:03d}" for index in range(10)]
FIRST_SERVICE_CODE = 10000
MAX_SERVICES = 100_000 - FIRST_SERVICE_CODE  # service codes have 5 digits

# Services in turn: payment route, kind, a typical payment (yen), and the method of the
# published channel one service of each kind in five gets.
VARIANTS = [
    ("counter", "certificate_fee", 350, "credit_card"),
    ("slip", "tax", 32_000, "convenience_store"),
    ("slip", "water", 4_800, "convenience_store"),
    ("e_application", "usage_fee", 2_400, "online_card"),
    ("counter", "other_fee", 1_200, "qr_user_scan"),
]

# ``--methods N`` records results for the first N: both cash methods (a share needs its
# denominator), the three the channels use, then the rest of the seeded methods.
METHOD_ORDER = [
    "cash_counter",
    "cash_bank",
    "credit_card",
    "convenience_store",
    "online_card",
    "qr_user_scan",
    "bank_transfer",
    "e_money",
    "pay_easy",
    "smartphone_slip",
    "qr_store_scan",
]

SERVICE_TARGETS = 5  # the first services each get a cashless target of their own
BATCH = 5_000  # collection results per bulk_create


@dataclass(frozen=True)
class Plan:
    """A data set: the first ``services`` services, results for each of ``months`` (first
    days, oldest first) and each method of ``methods`` (codes)."""

    services: int
    months: tuple
    methods: tuple

    @property
    def results(self):
        return self.services * len(self.months) * len(self.methods)

    def describe(self):
        first, last = self.months[0], self.months[-1]
        return (
            f"{self.services} services × {len(self.months)} months ({first:%Y-%m} to "
            f"{last:%Y-%m}) × {len(self.methods)} methods = {self.results:,} results"
        )


def last_months(count, today):
    """The first days of the ``count`` whole months before ``today``'s, oldest first."""
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        months.append(dt.date(year, month, 1))
    return tuple(reversed(months))


@dataclass(frozen=True)
class ServiceSpec:
    """What the ``index``-th service is: its code, department, variant and volume."""

    index: int

    @property
    def code(self):
        return f"{FIRST_SERVICE_CODE + self.index:05d}"

    @property
    def department(self):
        return DEPARTMENTS[self.index % len(DEPARTMENTS)]

    @property
    def variant(self):
        return VARIANTS[self.index % len(VARIANTS)]

    @property
    def has_channel(self):
        """One service of each variant in every 25 (1 in 5 overall)."""
        return (self.index // len(VARIANTS)) % 5 == self.index % len(VARIANTS)

    @property
    def monthly_payments(self):
        return random.Random(self.code).randint(40, 1_500)


def migrate():
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def grow(plan, *, log):
    """Add whatever ``plan`` has that the database lacks; return the seconds the
    collection results took to write."""
    from django.db import transaction

    from catalog.services import department_upsert

    started = time.monotonic()
    with transaction.atomic():
        for code in DEPARTMENTS:
            department_upsert(code=code, name=f"ベンチ部署{code}")
        specs = [ServiceSpec(index) for index in range(plan.services)]
        services = {spec.code: _service(spec) for spec in specs}
        _assessments(specs, services, plan)
    log(f"  {plan.services} services, channels and assessments in {_since(started)}")
    started = time.monotonic()
    _results(specs, services, plan)
    seconds = time.monotonic() - started
    log(f"  {plan.results:,} collection results in {seconds:.1f} s")
    _analyze()
    return seconds


def _analyze():
    """On PostgreSQL, refresh the planner's statistics, as autovacuum does some time after
    a large write: without them it takes the 108,000 fresh rows for a few hundred and
    sorts them on disk to group them. (SQLite keeps no statistics unless told to, and
    the app never tells it.)"""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _since(started):
    return f"{time.monotonic() - started:.1f} s"


def _service(spec):
    """The service of ``spec``, created (with its published channel, if it has one) when
    missing."""
    from catalog.services import Outcome, service_upsert
    from channels.models import PaymentMethod
    from channels.services import channel_create

    route, kind, typical, method_code = spec.variant
    service, outcome = service_upsert(
        code=spec.code,
        name=f"ベンチ収納対象{spec.code}",
        kind=kind,
        route=route,
        department_code=spec.department,
        standard_amount=typical if route == "counter" else None,
    )
    if outcome is Outcome.CREATED and spec.has_channel:
        channel_create(
            service=service,
            method=PaymentMethod.objects.get(code=method_code),
            publish=True,
            **channel_config(method_code, spec.code),
        )
    return service


def _assessments(specs, services, plan):
    """Each slip service's assessment for every fiscal year the plan's months touch: a
    year's worth of its typical payments, a few percent more than is ever collected."""
    from catalog.fiscal import fiscal_year
    from catalog.models import Assessment

    years = sorted({fiscal_year(month) for month in plan.months})
    rows = []
    for spec in specs:
        route, _kind, typical, _method = spec.variant
        if route != "slip":
            continue
        for year in years:
            margin = random.Random(f"{spec.code}-FY{year}").uniform(1.02, 1.08)
            amount = round(12 * spec.monthly_payments * typical * margin)
            rows.append(Assessment(service=services[spec.code], fiscal_year=year, amount=amount))
    Assessment.objects.bulk_create(rows, ignore_conflicts=True)


def class_weights(month):
    """The share of payments of each payment class in ``month``: cashless grows by five
    points a year from 18% in April 2021; the rest is mostly cash."""
    from channels.models import PaymentClass

    years = month.year - 2021 + (month.month - 4) / 12
    cashless = min(max(0.18 + 0.05 * years, 0.05), 0.9)
    rest = 1 - cashless
    return {
        PaymentClass.CASH: rest * 0.7,
        PaymentClass.CONVENIENCE_STORE: rest * 0.15,
        PaymentClass.ACCOUNT: rest * 0.15,
        PaymentClass.CASHLESS: cashless,
    }


def _monthly(spec, service, month, methods):
    """The collection results of ``service`` for ``month``, one per method of
    ``methods`` (``(id, payment class)`` pairs)."""
    from channels.models import CollectionRecord

    rng = random.Random(f"{spec.code}-{month:%Y-%m}")
    weights = class_weights(month)
    per_class = {}
    for _id, payment_class in methods:
        per_class[payment_class] = per_class.get(payment_class, 0) + 1
    present = sum(weights[payment_class] for payment_class in per_class)
    typical = spec.variant[2]
    for method_id, payment_class in methods:
        share = weights[payment_class] / present / per_class[payment_class]
        count = round(spec.monthly_payments * share * rng.uniform(0.8, 1.2))
        yield CollectionRecord(
            service=service,
            method_id=method_id,
            period=month,
            payment_count=count,
            amount=round(count * typical * rng.uniform(0.9, 1.1)),
            on_time_count=round(count * rng.uniform(0.85, 0.99)),
        )


def _results(specs, services, plan):
    """Every result of the plan the database lacks (the unique key skips the others)."""
    from django.db import transaction

    from channels.models import CollectionRecord, PaymentMethod

    by_code = dict(PaymentMethod.objects.values_list("code", "pk"))
    classes = dict(PaymentMethod.objects.values_list("code", "payment_class"))
    methods = [(by_code[code], classes[code]) for code in plan.methods]
    batch = []
    with transaction.atomic():
        for spec in specs:
            for month in plan.months:
                batch.extend(_monthly(spec, services[spec.code], month, methods))
            if len(batch) >= BATCH:
                CollectionRecord.objects.bulk_create(batch, ignore_conflicts=True)
                batch = []
        CollectionRecord.objects.bulk_create(batch, ignore_conflicts=True)
    found = CollectionRecord.objects.count()
    if found != plan.results:
        raise BenchError(f"{found:,} collection results stored, expected {plan.results:,}")


def add_targets_and_figures(today):
    """City-wide targets for the next and this fiscal year, cashless targets of the first
    services' own, and the policy's reported figures for three years; the national goal
    (FY2025, 40%) is already there, seeded by ``migrate``."""
    from catalog.fiscal import fiscal_year
    from catalog.models import Service
    from catalog.services import reported_figure_upsert
    from kpis.models import Metric, Target

    current = fiscal_year(today)
    targets = [
        Target(metric=Metric.CASHLESS_SHARE_AMOUNT, fiscal_year=current + 1, percent=50),
        Target(metric=Metric.COLLECTION_RATE, fiscal_year=current, percent=98),
        Target(metric=Metric.ON_TIME_RATE, fiscal_year=current, percent=95),
    ]
    for service in Service.objects.order_by("code")[:SERVICE_TARGETS]:
        targets.append(
            Target(
                metric=Metric.CASHLESS_SHARE_AMOUNT,
                service=service,
                fiscal_year=current,
                percent=60,
            )
        )
    for target in targets:
        target.source = "ベンチ用の目標"
        target.full_clean()
        target.save()
    for year in (2021, 2022, 2023):
        reported_figure_upsert(
            fiscal_year=year,
            scope="市全体（5収納）",
            months=12,
            payment_count=1_000_000 + 150_000 * (year - 2021),
            amount=2_000_000_000 + 400_000_000 * (year - 2021),
        )


def add_users():
    """``(finance, department administrator)``: a member of 会計課, and a member of
    部署管理者 bound to the first department."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from catalog import roles
    from catalog.models import Department

    users = get_user_model().objects
    finance = users.create_user(username="bench-finance")
    finance.groups.add(Group.objects.get(name=roles.FINANCE))
    department_admin = users.create_user(username="bench-department")
    department_admin.groups.add(Group.objects.get(name=roles.DEPARTMENT_ADMIN))
    department_admin.administered_departments.add(Department.objects.get(code=DEPARTMENTS[0]))
    return finance, department_admin


def cashless_share(year, department_code=None):
    """The cashless share by amount of fiscal ``year`` (of one department's services),
    summed straight from the results: what the dashboard's headline must show."""
    from django.db.models import Q, Sum

    from catalog.fiscal import fiscal_year_bounds
    from channels.models import CollectionRecord, PaymentClass

    rows = CollectionRecord.objects.filter(period__range=fiscal_year_bounds(year))
    if department_code:
        rows = rows.filter(service__department__code=department_code)
    sums = rows.aggregate(
        total=Sum("amount"),
        cashless=Sum("amount", filter=Q(method__payment_class=PaymentClass.CASHLESS)),
    )
    return (sums["cashless"] or 0) / sums["total"] if sums["total"] else None


def contents():
    """What the database holds, as the report lists it."""
    from django.db.models import Count

    from catalog.models import Assessment, Department, Service
    from channels.models import CollectionRecord, ServiceChannel
    from kpis.models import Target

    routes = dict(
        Service.objects.order_by().values("route").annotate(n=Count("pk")).values_list("route", "n")
    )
    return {
        "departments": Department.objects.count(),
        "services": Service.objects.count(),
        "routes": routes,
        "channels": ServiceChannel.objects.filter(live=True).count(),
        "assessments": Assessment.objects.count(),
        "targets": Target.objects.count(),
        "results": CollectionRecord.objects.count(),
    }
