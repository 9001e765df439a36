"""The KPIs, defined and computed from plain numbers (no database).

:mod:`kpis.selectors` reads the collection results, assessments, channels and targets in
a fixed handful of queries and hands them here as plain rows; everything below is
arithmetic on those rows, so each definition can be tested on numbers made by hand.

Definitions (the dashboard's help and the README say the same):

* **Cashless share** (キャッシュレス決済比率) — payments by a cashless method (cards,
  electronic money, code payments, smartphone slip payment, online payment) ÷ all
  payments, cash included; by count and by amount.
* **Paid outside the counter** (窓口以外での納付) — payments by any method other than cash
  at a counter (convenience store, bank transfer, Pay-easy and cashless) ÷ all payments:
  the policy's "about 70% of the five receivables".
* **Collection rate** (収納率) — amount collected in the fiscal year ÷ the amount
  assessed (調定額) for that year, over the services with an assessment.
* **On-time rate** (期限内納付率) — payments made by the due date ÷ payments, over the
  receivables paid by slip (a counter fee is paid on the spot, so it is left out).
* **Coverage** (導入率) — services with at least one published cashless channel ÷ all
  services; the wider figure also counts convenience-store and account channels.

A share with nothing to divide by is ``None`` (shown as "—"), never zero.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from catalog.fiscal import fiscal_year_label
from catalog.models import Service
from kpis.inputs import Periods, ServiceInfo
from kpis.models import Metric

CASH = "cash"
CASHLESS = "cashless"
SLIP = "slip"


def ratio(part, whole):
    """``part / whole``, or ``None`` when there is nothing to divide by."""
    return part / whole if whole else None


@dataclass
class Totals:
    """Sums of collection results over some services, methods and months."""

    count: int = 0
    amount: int = 0
    cashless_count: int = 0
    cashless_amount: int = 0
    outside_count: int = 0
    outside_amount: int = 0
    receivable_count: int = 0
    on_time_count: int = 0
    collected: int = 0
    assessed: int = 0

    def add_result(self, *, payment_class, route, count, amount, on_time):
        """Count one row of results (one service × method, summed over months)."""
        self.count += count
        self.amount += amount
        if payment_class == CASHLESS:
            self.cashless_count += count
            self.cashless_amount += amount
        if payment_class != CASH:
            self.outside_count += count
            self.outside_amount += amount
        if route == SLIP:
            self.receivable_count += count
            self.on_time_count += on_time

    def __iadd__(self, other):
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    @property
    def cashless_share_count(self):
        return ratio(self.cashless_count, self.count)

    @property
    def cashless_share_amount(self):
        return ratio(self.cashless_amount, self.amount)

    @property
    def outside_share_count(self):
        return ratio(self.outside_count, self.count)

    @property
    def collection_rate(self):
        return ratio(self.collected, self.assessed)

    @property
    def on_time_rate(self):
        return ratio(self.on_time_count, self.receivable_count)

    def value(self, metric):
        """The figure a :class:`~kpis.models.Metric` names."""
        return getattr(self, Metric(metric).value)


def summed(totals):
    result = Totals()
    for item in totals:
        result += item
    return result


# -- targets -------------------------------------------------------------------------------


def applying_target(targets, metric, fiscal_year, service_id=None):
    """The target for ``metric`` in ``fiscal_year``: the service's own if it has any for
    that metric, else the city-wide one; of those, the nearest whose year has not passed,
    or the latest once all have. ``None`` when there is none."""
    for scope in [service_id, None] if service_id is not None else [None]:
        candidates = [t for t in targets if t.metric == metric and t.service_id == scope]
        if candidates:
            ahead = [t for t in candidates if t.fiscal_year >= fiscal_year]
            if ahead:
                return min(ahead, key=lambda t: t.fiscal_year)
            return max(candidates, key=lambda t: t.fiscal_year)
    return None


# -- the figures the dashboard shows -------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """One headline figure: this year's value, last year's over the same months, and the
    target that applies this year."""

    key: str
    label: str
    value: float | None
    last_year: float | None
    target: float | None = None
    judged: bool = True

    @property
    def below(self):
        """Whether the value falls short of its target. A collection rate is not judged
        while the year runs: a year's assessment is collected over the whole year."""
        return bool(
            self.judged
            and self.target is not None
            and self.value is not None
            and self.value < self.target
        )

    @property
    def change(self):
        """The change from last year in percentage points; ``None`` if either is unknown."""
        if self.value is None or self.last_year is None:
            return None
        return (self.value - self.last_year) * 100


@dataclass(frozen=True)
class TrendYear:
    fiscal_year: int
    months: int
    totals: Totals
    target: float | None
    reported: tuple = ()  # (scope, months, payment count, amount) as the policy reported


@dataclass(frozen=True)
class GroupFigures:
    """A row of a breakdown (a method, a department, a route, a service); a method's
    ``note`` is its payment class."""

    key: object
    label: str
    totals: Totals
    note: str = ""


@dataclass(frozen=True)
class CoverageRow:
    key: object
    label: str
    services: int
    cashless: int
    any_channel: int

    @property
    def share(self):
        return ratio(self.cashless, self.services)

    @property
    def wider_share(self):
        return ratio(self.any_channel, self.services)


@dataclass(frozen=True)
class BelowTarget:
    service: ServiceInfo
    metric: str
    value: float
    target: float

    @property
    def metric_label(self):
        return Metric(self.metric).label

    @property
    def gap(self):
        """How far below the target, in percentage points (negative when below)."""
        return (self.value - self.target) * 100


@dataclass(frozen=True)
class Figures:
    """Everything the dashboard, its tables and its workbook show, for one scope;
    ``target`` is the city-wide cashless share (by amount) to reach, as a share."""

    periods: Periods
    headlines: tuple[Headline, ...]
    trend: tuple[TrendYear, ...]
    by_method: tuple[GroupFigures, ...]
    by_department: tuple[GroupFigures, ...]
    by_route: tuple[GroupFigures, ...]
    by_service: tuple[GroupFigures, ...]
    coverage_by_route: tuple[CoverageRow, ...]
    coverage_by_department: tuple[CoverageRow, ...]
    below_target: tuple[BelowTarget, ...]
    without_results: int
    target: float | None = None
    target_label: str = ""

    @property
    def coverage(self):
        return CoverageRow(
            key="all",
            label=str(_("All payment routes")),
            services=sum(row.services for row in self.coverage_by_route),
            cashless=sum(row.cashless for row in self.coverage_by_route),
            any_channel=sum(row.any_channel for row in self.coverage_by_route),
        )

    @property
    def year_totals(self):
        return self.trend[-1].totals if self.trend else Totals()


BELOW_TARGET_LIMIT = 10
BELOW_TARGET_METRICS = (
    Metric.CASHLESS_SHARE_AMOUNT,
    Metric.CASHLESS_SHARE_COUNT,
    Metric.COLLECTION_RATE,
    Metric.ON_TIME_RATE,
)


def _service_totals(rows, services, methods, assessments, periods):
    """Per (fiscal year, service) totals; last year's comparison months per service."""
    by_year = defaultdict(Totals)
    same_period = defaultdict(Totals)
    by_method = defaultdict(Totals)
    for row in rows:
        service = services.get(row.service_id)
        method = methods.get(row.method_id)
        if service is None or method is None:
            continue
        result = {
            "payment_class": method.payment_class,
            "route": service.route,
            "count": row.count,
            "amount": row.amount,
            "on_time": row.on_time,
        }
        by_year[(row.fiscal_year, row.service_id)].add_result(**result)
        if row.fiscal_year == periods.fiscal_year:
            by_method[row.method_id].add_result(**result)
        if row.fiscal_year == periods.last_year and row.same_period:
            same_period[row.service_id].add_result(**result)
    for (fiscal_year, service_id), assessed in assessments.items():
        if service_id not in services:
            continue
        by_year[(fiscal_year, service_id)].assessed += assessed
        # Zero months this year compare with zero months of last year: nothing to rate.
        if fiscal_year == periods.last_year and periods.months:
            same_period[service_id].assessed += assessed
    # The collection rate counts what was collected for services that were assessed.
    for totals in [*by_year.values(), *same_period.values()]:
        if totals.assessed:
            totals.collected = totals.amount
    return by_year, same_period, by_method


def _route_order(row):
    """Routes in the catalog's order: counter, slip, e-application."""
    routes = Service.Route.values
    return routes.index(row.key) if row.key in routes else len(routes)


def _department_order(row):
    """Departments by code (their labels begin with it)."""
    return row.label


def _coverage(services, channel_classes, key, label, order):
    rows = {}
    for service in services.values():
        group = key(service)
        row = rows.setdefault(group, [label(service), 0, 0, 0])
        classes = channel_classes.get(service.id, set())
        row[1] += 1
        row[2] += CASHLESS in classes
        row[3] += bool(classes)
    found = (
        CoverageRow(key=group, label=name, services=n, cashless=c, any_channel=a)
        for group, (name, n, c, a) in rows.items()
    )
    return tuple(sorted(found, key=order))


def _below_target(service_year, services, targets, periods):
    """Each service's largest shortfall against its targets this year, largest first.

    One row per service, so one far-off service does not fill the list with each of its
    indicators; a service without results this year is counted, not compared. The
    collection rate is compared only once the year is complete.
    """
    fiscal_year = periods.fiscal_year
    metrics = [
        metric
        for metric in BELOW_TARGET_METRICS
        if metric != Metric.COLLECTION_RATE or periods.months >= 12
    ]
    found, without = [], 0
    for service in services.values():
        totals = service_year.get((fiscal_year, service.id))
        # An assessed receivable nobody paid has a known collection rate (0%).
        if totals is None or not (totals.count or totals.assessed):
            without += 1
            continue
        shortfalls = []
        for metric in metrics:
            target = applying_target(targets, metric, fiscal_year, service.id)
            value = totals.value(metric)
            if target is not None and value is not None and value < target.share:
                shortfalls.append(
                    BelowTarget(service=service, metric=metric, value=value, target=target.share)
                )
        if shortfalls:
            found.append(min(shortfalls, key=lambda item: item.gap))
    found.sort(key=lambda item: (item.gap, item.service.code))
    return tuple(found[:BELOW_TARGET_LIMIT]), without


def _group(service_year, services, fiscal_year, key, label, order=None):
    groups = {}
    for service in services.values():
        group = key(service)
        entry = groups.setdefault(group, [label(service), Totals()])
        entry[1] += service_year.get((fiscal_year, service.id), Totals())
    found = [GroupFigures(key=k, label=name, totals=t) for k, (name, t) in groups.items()]
    return tuple(sorted(found, key=order) if order else found)


def build_figures(
    *,
    periods,
    services,
    methods,
    rows,
    assessments,
    channel_classes,
    targets,
    reported=(),
):
    """Compute every figure the dashboard shows.

    ``services`` and ``methods`` map ids to :class:`ServiceInfo` / :class:`MethodInfo`
    (services in code order, already narrowed to the user's departments); ``rows`` are
    :class:`ResultRow`; ``assessments`` maps ``(fiscal_year, service_id)`` to the assessed
    amount; ``channel_classes`` maps a service id to the payment classes of its published
    channels; ``targets`` are :class:`TargetInfo`; ``reported`` holds the policy's own
    figures as ``(fiscal_year, scope, months, count, amount)``.
    """
    service_year, same_period, method_totals = _service_totals(
        rows, services, methods, assessments, periods
    )
    fy = periods.fiscal_year
    months = _months_by_year(rows, periods)
    trend = tuple(
        TrendYear(
            fiscal_year=year,
            months=months.get(year, 0),
            totals=summed(service_year.get((year, sid), Totals()) for sid in services),
            target=_share(applying_target(targets, Metric.CASHLESS_SHARE_AMOUNT, year)),
            reported=tuple(r[1:] for r in reported if r[0] == year),
        )
        for year in periods.fiscal_years
    )
    current = trend[-1].totals
    last = summed(same_period.values())

    def headline(key, label, metric=None, value=None, last_value=None):
        target = applying_target(targets, metric, fy) if metric else None
        return Headline(
            key=key,
            label=str(label),
            value=current.value(metric) if metric else value,
            last_year=last.value(metric) if metric else last_value,
            target=_share(target),
            judged=metric != Metric.COLLECTION_RATE or periods.months >= 12,
        )

    coverage_by_route = _coverage(
        services, channel_classes, lambda s: s.route, lambda s: s.route_label, _route_order
    )
    total_services = len(services)
    covered = sum(row.cashless for row in coverage_by_route)
    headlines = (
        headline(
            "cashless_share_amount", _("Cashless share (by amount)"), Metric.CASHLESS_SHARE_AMOUNT
        ),
        headline(
            "cashless_share_count", _("Cashless share (by count)"), Metric.CASHLESS_SHARE_COUNT
        ),
        headline(
            "outside_share_count",
            _("Paid outside the counter (by count)"),
            value=current.outside_share_count,
            last_value=last.outside_share_count,
        ),
        headline("collection_rate", _("Collection rate"), Metric.COLLECTION_RATE),
        headline("on_time_rate", _("On-time payment rate"), Metric.ON_TIME_RATE),
        headline("coverage", _("Rollout coverage"), value=ratio(covered, total_services)),
    )
    below, without = _below_target(service_year, services, targets, periods)
    by_method = tuple(
        GroupFigures(
            key=m.id, label=m.name, totals=method_totals.get(m.id, Totals()), note=m.class_label
        )
        for m in methods.values()
        if m.id in method_totals  # a method nobody in scope paid by this year is left out
    )
    target = applying_target(targets, Metric.CASHLESS_SHARE_AMOUNT, fy)
    return Figures(
        periods=periods,
        headlines=headlines,
        trend=trend,
        by_method=by_method,
        by_department=_group(
            service_year,
            services,
            fy,
            lambda s: s.department_id,
            lambda s: s.department,
            _department_order,
        ),
        by_route=_group(
            service_year, services, fy, lambda s: s.route, lambda s: s.route_label, _route_order
        ),
        by_service=_group(
            service_year, services, fy, lambda s: s.id, lambda s: f"{s.code} {s.name}"
        ),
        coverage_by_route=coverage_by_route,
        coverage_by_department=_coverage(
            services,
            channel_classes,
            lambda s: s.department_id,
            lambda s: s.department,
            _department_order,
        ),
        below_target=below,
        without_results=without,
        target=_share(target),
        target_label=_target_label(target),
    )


def _months_by_year(rows, periods):
    """How many months each year's results span: the shown year's from April (as
    :class:`Periods` has it), a past year's from its first month with results to its last,
    so a year whose results begin or end midway is not shown as complete."""
    spans = {}
    for row in rows:
        if row.first is None:  # results summed without their months: a whole year
            spans.setdefault(row.fiscal_year, None)
            continue
        first, last = spans.get(row.fiscal_year) or (row.first, row.last)
        spans[row.fiscal_year] = (min(first, row.first), max(last, row.last))
    months = {
        year: 12
        if span is None
        else (span[1].year - span[0].year) * 12 + span[1].month - span[0].month + 1
        for year, span in spans.items()
    }
    months[periods.fiscal_year] = periods.months
    return months


def _share(target):
    return target.share if target is not None else None


def _target_label(target):
    if target is None:
        return ""
    return str(_("Target %(percent)s%% by %(year)s")) % {
        "percent": f"{target.share * 100:.1f}".removesuffix(".0"),
        "year": fiscal_year_label(target.fiscal_year),
    }
