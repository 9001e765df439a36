"""Demo collection results, assessments and targets for the KPI dashboard, from
``fixtures/kpis.toml`` (SAMPLE DATA: the file says how each month is made).

Monthly results run from 令和3年度 (FY2021) up to the last full month before ``today``,
for every service the file lists: cash every month, each non-cash method from the month
its channel came into use, with shares that grow so the trend rises. Nothing is random —
the small month-to-month wiggles come from a hash of service code and month — so every
load computes the same numbers. The five unified receivables' cashless results are scaled
to the policy's reported figures (:class:`catalog.models.ReportedFigure`) exactly.

A record (service × method × month), assessment or target that exists already is left as
it is: the rollout demo's pilot months are kept, and the cash of those months is what
remains of the month's payments. Loading twice changes nothing.
"""

import datetime as dt
import hashlib
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.fiscal import fiscal_year
from catalog.models import Assessment, ReportedFigure, Service
from channels.models import CollectionRecord, PaymentClass, PaymentMethod
from kpis.models import Target
from workflows.demo import add_months, month

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "kpis.toml"
BATCH_SIZE = 1000
WIGGLE = 0.05  # ± a month's payments and a method's share move around their path


def read_fixture(path=FIXTURE):
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def months_between(first, last):
    """Every first day of a month from ``first`` to ``last``, both included."""
    current = first
    while current <= last:
        yield current
        current = add_months(current, 1)


def last_full_month(today):
    """The month before ``today``'s: the latest month whose results are all in."""
    return add_months(today.replace(day=1), -1)


def along(path, key):
    """The value of ``path`` (points ``{key: value}``) at ``key``: straight lines between
    the points, flat before the first and after the last."""
    points = sorted(path.items())
    if key <= points[0][0]:
        return points[0][1]
    for (left, low), (right, high) in zip(points, points[1:], strict=False):
        if key <= right:
            return low + (high - low) * (key - left) / (right - left)
    return points[-1][1]


def month_path(path):
    """A ``{"YYYY-MM": value}`` path keyed by month index, for :func:`along`."""
    return {_index(month(key)): value for key, value in path.items()}


def _index(first_day):
    return first_day.year * 12 + first_day.month - 1


def wiggle(*parts):
    """A fixed factor in [1 − WIGGLE, 1 + WIGGLE] for the given key (no randomness)."""
    digest = hashlib.blake2b("/".join(map(str, parts)).encode(), digest_size=4).digest()
    return 1 + WIGGLE * (int.from_bytes(digest, "big") / 0xFFFFFFFF * 2 - 1)


def apportion(total, weights):
    """Split the integer ``total`` in proportion to integer ``weights`` (largest
    remainders), so the parts add up to ``total`` exactly."""
    whole = sum(weights)
    if not whole or total <= 0:
        return [0] * len(weights)
    parts = [total * weight // whole for weight in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in remainders[: total - sum(parts)]:
        parts[i] += 1
    return parts


@dataclass(eq=False)  # each plan is its own dictionary key
class Plan:
    """One service's part of the fixture, its paths read once."""

    service: Service
    payments: int  # in a normal year
    amount: int  # the fee (counters, e-application) or the average payment (slips)
    season: list  # 12 weights, April first, averaging 1
    volume: dict  # month index → % of a normal year
    methods: dict  # non-cash method code → (first month, share path)
    cash: dict  # cash method code → weight
    on_time: dict | None  # month index → % paid on time (slips)
    collection_rate: dict | None  # fiscal year → % collected (slips)
    reported_scope: str | None

    @property
    def fixed_price(self):
        return self.service.route != Service.Route.SLIP


def plans(data):
    """A :class:`Plan` per service the fixture lists, in its order. An unknown code or a
    missing amount is an error that names the service, so whoever edits the file sees at
    once what to fix."""
    codes = [code for group in data["groups"] for code in group["services"]]
    services = {s.code: s for s in Service.objects.filter(code__in=codes)}
    missing = sorted(set(codes) - set(services))
    if missing:
        raise ValueError(f"fixtures/kpis.toml lists services not in the catalog: {missing}")
    result = []
    for group in data["groups"]:
        season = group.get("season", [1] * 12)
        for code, row in group["services"].items():
            service = services[code]
            amount = service.standard_amount or row.get("amount")
            if not amount:
                raise ValueError(f"fixtures/kpis.toml: service {code} needs an amount")
            methods = {}
            for entry in group.get("methods", []):
                start = entry["from"]
                start = start.get(code) if isinstance(start, dict) else start
                if start:
                    methods[entry["method"]] = (month(start), month_path(entry["share"]))
            rates = group.get("collection_rate")
            result.append(
                Plan(
                    service=service,
                    payments=row["payments"],
                    amount=amount,
                    season=[weight * 12 / sum(season) for weight in season],
                    volume=month_path(group.get("volume", {data["first_month"]: 100})),
                    methods=methods,
                    cash=group["cash"],
                    on_time=month_path(group["on_time"]) if "on_time" in group else None,
                    collection_rate={int(y): r for y, r in rates.items()} if rates else None,
                    reported_scope=group.get("reported_scope"),
                )
            )
    return result


class Generator:
    """Computes every service × method × month cell as ``[payments, amount, on_time]``;
    cells that exist in the database keep their stored values."""

    def __init__(self, *, amount_factors, last, methods, existing):
        self.amount_factors = amount_factors  # method code → factor (slips)
        self.last = last  # the last month with results
        self.methods = methods  # code → PaymentMethod
        self.existing = existing  # (service_id, method_id, period) → [count, amount, on_time]
        self.cells = {}  # (Plan, method code, period) → [count, amount, on_time]

    def stored(self, plan, code, period):
        return self.existing.get((plan.service.pk, self.methods[code].pk, period))

    def payments(self, plan, period):
        """All payments of ``plan``'s service in the month, cash included (not rounded)."""
        weight = plan.season[(period.month - 4) % 12]
        volume = along(plan.volume, _index(period))
        return plan.payments / 12 * weight * volume / 100 * wiggle(plan.service.code, period)

    def amount(self, plan, code, count):
        if plan.fixed_price:
            return count * plan.amount
        return round(count * plan.amount * self.amount_factors.get(code, 1))

    def non_cash(self, plans, periods):
        for plan in plans:
            for code, (start, share) in plan.methods.items():
                for period in periods:
                    if period < start:
                        continue
                    percent = along(share, _index(period))
                    count = round(
                        self.payments(plan, period)
                        * percent
                        / 100
                        * wiggle(plan.service.code, code, period)
                    )
                    self.cells[plan, code, period] = self.stored(plan, code, period) or [
                        count,
                        self.amount(plan, code, count),
                        0,
                    ]

    def calibrate(self, plans, figures):
        """Scale the generated cashless cells of a reported scope so that each figure's
        months add up to its payments and amount exactly (stored cells count as they are)."""
        for figure in figures:
            first = dt.date(figure.fiscal_year, 4, 1)
            last = add_months(first, figure.months - 1)
            if last > self.last:
                continue  # not all of its months have results yet
            keys = [
                key
                for key in self.cells
                if key[0].reported_scope == figure.scope
                and first <= key[2] <= last
                and self.methods[key[1]].payment_class == PaymentClass.CASHLESS
            ]
            fresh = [key for key in keys if not self.stored(*key)]
            kept = [self.cells[key] for key in keys if self.stored(*key)]
            counts = apportion(
                figure.payment_count - sum(cell[0] for cell in kept),
                [self.cells[key][0] for key in fresh],
            )
            amounts = apportion(
                figure.amount - sum(cell[1] for cell in kept),
                [self.cells[key][1] for key in fresh],
            )
            for key, count, amount in zip(fresh, counts, amounts, strict=True):
                self.cells[key][:2] = [count, amount]

    def cash(self, plans, periods):
        """Cash is what the month's payments leave after the non-cash methods (never less
        than a tenth of them), split between counters and bank windows."""
        for plan in plans:
            for period in periods:
                total = round(self.payments(plan, period))
                non_cash = sum(
                    self.cells[plan, code, period][0]
                    for code in plan.methods
                    if (plan, code, period) in self.cells
                )
                cash = max(total - non_cash, round(total / 10))
                parts = apportion(cash, list(plan.cash.values()))
                for code, count in zip(plan.cash, parts, strict=True):
                    self.cells[plan, code, period] = self.stored(plan, code, period) or [
                        count,
                        self.amount(plan, code, count),
                        0,
                    ]

    def on_time(self):
        """Counter and e-application payments are made on the spot, all on time; slips by
        their group's on-time path, give or take half a percent."""
        for (plan, code, period), cell in self.cells.items():
            if self.stored(plan, code, period):
                continue
            if plan.on_time is None:
                cell[2] = cell[0]
                continue
            rate = along(plan.on_time, _index(period)) / 100
            rate *= 1 + (wiggle(plan.service.code, code, period, "on time") - 1) / 10
            cell[2] = min(cell[0], round(cell[0] * rate))


@transaction.atomic
def load_demo_kpis(data, *, today=None):
    """Create the missing collection records, assessments and targets; returns counts
    ``records_created``/``records_unchanged``, ``assessments_…`` and ``targets_…``."""
    today = today or timezone.localdate()
    first, last = month(data["first_month"]), last_full_month(today)
    # Through the end of the current fiscal year: its assessment is the whole year's.
    periods = list(months_between(first, dt.date(fiscal_year(today) + 1, 3, 1)))
    every_plan = plans(data)
    methods = {method.code: method for method in PaymentMethod.objects.all()}
    existing = {
        (service_id, method_id, period): [count, amount, on_time]
        for service_id, method_id, period, count, amount, on_time in (
            CollectionRecord.objects.filter(
                service__in=[plan.service for plan in every_plan], period__gte=first
            ).values_list(
                "service_id", "method_id", "period", "payment_count", "amount", "on_time_count"
            )
        )
    }
    generator = Generator(
        amount_factors=data.get("amount_factors", {}),
        last=last,
        methods=methods,
        existing=existing,
    )
    generator.non_cash(every_plan, periods)
    generator.calibrate(every_plan, ReportedFigure.objects.all())
    generator.cash(every_plan, periods)
    generator.on_time()

    counts = Counter()
    new = []
    for (plan, code, period), (count, amount, on_time) in generator.cells.items():
        if period > last:
            continue
        if generator.stored(plan, code, period):
            counts["records_unchanged"] += 1
            continue
        new.append(
            CollectionRecord(
                service=plan.service,
                method=methods[code],
                period=period,
                payment_count=count,
                amount=amount,
                on_time_count=on_time,
            )
        )
    CollectionRecord.objects.bulk_create(new, batch_size=BATCH_SIZE)
    counts["records_created"] += len(new)
    counts.update(_load_assessments(every_plan, generator.cells, today))
    counts.update(_load_targets(data))
    return counts


def _load_assessments(plans, cells, today):
    """Each slip service's assessment per fiscal year: what it collected that year (the
    whole year expected, for the current one) ÷ its group's collection rate."""
    collected = defaultdict(int)
    for (plan, _code, period), cell in cells.items():
        collected[plan, fiscal_year(period)] += cell[1]
    existing = set(Assessment.objects.values_list("service_id", "fiscal_year"))
    counts, new = Counter(), []
    for (plan, year), amount in collected.items():
        if plan.collection_rate is None or year > fiscal_year(today):
            continue
        if (plan.service.pk, year) in existing:
            counts["assessments_unchanged"] += 1
            continue
        rate = along(plan.collection_rate, year) / 100
        new.append(
            Assessment(service=plan.service, fiscal_year=year, amount=int(round(amount / rate, -3)))
        )
    Assessment.objects.bulk_create(new)
    counts["assessments_created"] += len(new)
    return counts


def _load_targets(data):
    """The fixture's targets that are not set yet (by indicator, service and year)."""
    counts = Counter()
    codes = [row["service"] for row in data.get("targets", []) if "service" in row]
    services = {s.code: s for s in Service.objects.filter(code__in=codes)}
    for row in data.get("targets", []):
        service = services[row["service"]] if "service" in row else None
        if Target.objects.filter(
            metric=row["metric"], service=service, fiscal_year=row["fiscal_year"]
        ).exists():
            counts["targets_unchanged"] += 1
            continue
        target = Target(
            metric=row["metric"],
            service=service,
            fiscal_year=row["fiscal_year"],
            percent=Decimal(str(row["percent"])),
            source=data["target_source"],
        )
        target.full_clean()
        target.save()
        counts["targets_created"] += 1
    return counts
