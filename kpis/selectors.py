"""Reads for the KPI dashboard, in a fixed number of queries whatever the data's size.

:func:`dashboard_figures` asks the database for sums only — one grouped query over the
collection results by fiscal year × service × method, and one each for the services, the
methods, the assessments, the published channels, the targets and the policy's reported
figures — and leaves the arithmetic to :func:`kpis.figures.build_figures`. Everything is
narrowed to the departments the user works on by the one department policy.
"""

from dataclasses import dataclass

from django.db.models import BooleanField, Case, IntegerField, Max, Min, Q, Sum, Value, When
from django.urls import reverse
from django.utils import timezone

from catalog.fiscal import fiscal_year, fiscal_year_bounds
from catalog.models import Assessment, ReportedFigure, Service
from catalog.permissions import policy_for, sees_all_departments
from channels.models import CollectionRecord, PaymentMethod, ServiceChannel
from kpis.figures import build_figures
from kpis.inputs import (
    TREND_FIRST_FY,
    MethodInfo,
    Periods,
    ResultRow,
    ServiceInfo,
    TargetInfo,
)
from kpis.models import Target
from workflows.models import PlanPhase, RolloutPlan
from workflows.phases import Phase, position
from workflows.selectors import plans_visible_to


def kpi_services(user):
    """The services whose figures ``user`` sees: their departments' (finance: all)."""
    return policy_for(Service).scope(user, Service.objects.all())


def _services(scope):
    rows = scope.select_related("department").order_by("code")
    return {
        service.pk: ServiceInfo(
            id=service.pk,
            code=service.code,
            name=service.name,
            route=service.route,
            route_label=str(service.get_route_display()),
            department_id=service.department_id,
            department=f"{service.department.code} {service.department.name}",
        )
        for service in rows
    }


def _methods():
    return {
        method.pk: MethodInfo(
            id=method.pk,
            name=method.name,
            payment_class=method.payment_class,
            class_label=str(method.get_payment_class_display()),
        )
        for method in PaymentMethod.objects.order_by("sort_order", "code")
    }


def months_with_results(scope, year, today):
    """How many months of fiscal ``year`` have results (April counts 1), up to the latest
    month any service in ``scope`` has, never past ``today``'s month (a mistyped future
    month must not make a running year look complete); 0 when none has any yet."""
    start, end = fiscal_year_bounds(year)
    latest = CollectionRecord.objects.filter(
        service__in=scope, period__range=(start, min(end, today.replace(day=1)))
    ).aggregate(latest=Max("period"))["latest"]
    if latest is None:
        return 0
    return (latest.year - start.year) * 12 + latest.month - start.month + 1


def _result_rows(scope, periods):
    """Sums by fiscal year × service × method, in one query.

    The fiscal year is computed with date ranges (``CASE WHEN period >= …``), which every
    database runs the same way; ``same_period`` marks last year's months that are compared
    with this year's.
    """
    years = list(periods.years_read)
    start = fiscal_year_bounds(years[0])[0]
    end = fiscal_year_bounds(years[-1])[1]
    fiscal = Case(
        *[
            When(
                period__gte=fiscal_year_bounds(year)[0],
                period__lte=fiscal_year_bounds(year)[1],
                then=Value(year),
            )
            for year in years
        ],
        output_field=IntegerField(),
    )
    compared = Case(
        When(
            period__gte=fiscal_year_bounds(periods.last_year)[0],
            period__lt=periods.comparison_end(),
            then=Value(True),
        ),
        default=Value(False),
        output_field=BooleanField(),
    )
    sums = (
        CollectionRecord.objects.filter(service__in=scope, period__range=(start, end))
        .annotate(fiscal_year=fiscal, same_period=compared)
        .values("fiscal_year", "same_period", "service_id", "method_id")
        .annotate(
            count=Sum("payment_count"),
            amount=Sum("amount"),
            on_time=Sum("on_time_count"),
            first=Min("period"),
            last=Max("period"),
        )
        .values_list(*ResultRow._fields)
        .order_by()
    )
    return [ResultRow._make(row) for row in sums]


def _assessments(scope, periods):
    rows = Assessment.objects.filter(
        service__in=scope, fiscal_year__in=list(periods.years_read)
    ).values_list("fiscal_year", "service_id", "amount")
    return {(year, service_id): amount for year, service_id, amount in rows}


def _channel_classes(scope):
    """The payment classes of each service's published channels."""
    classes = {}
    rows = (
        ServiceChannel.objects.filter(live=True, service__in=scope)
        .values_list("service_id", "method__payment_class")
        .distinct()
    )
    for service_id, payment_class in rows:
        classes.setdefault(service_id, set()).add(payment_class)
    return classes


def _targets(scope):
    rows = Target.objects.filter(Q(service__isnull=True) | Q(service__in=scope)).values_list(
        "metric", "service_id", "fiscal_year", "percent"
    )
    return [
        TargetInfo(
            metric=metric,
            service_id=service_id,
            fiscal_year=year,
            share=float(percent) / 100,
        )
        for metric, service_id, year, percent in rows
    ]


def _reported(user):
    """The policy's own figures are city-wide: shown to those who see every department."""
    if not sees_all_departments(user):
        return ()
    return tuple(
        ReportedFigure.objects.values_list(
            "fiscal_year", "scope", "months", "payment_count", "amount"
        )
    )


def dashboard_figures(user, *, year=None, today=None):
    """The :class:`~kpis.figures.Figures` of fiscal ``year`` (default: the current one) for
    the services ``user`` sees."""
    today = today or timezone.localdate()
    current = fiscal_year(today)
    year = current if year is None else year
    scope = kpi_services(user)
    periods = Periods(fiscal_year=year, months=months_with_results(scope, year, today))
    return build_figures(
        periods=periods,
        services=_services(scope),
        methods=_methods(),
        rows=_result_rows(scope, periods),
        assessments=_assessments(scope, periods),
        channel_classes=_channel_classes(scope),
        targets=_targets(scope),
        reported=_reported(user),
    )


def fiscal_year_choices(today=None):
    """The fiscal years the dashboard can show: from the trend's first to the current."""
    current = fiscal_year(today or timezone.localdate())
    return list(range(TREND_FIRST_FY, current + 1))


@dataclass(frozen=True)
class WaveStatus:
    """A wave as the dashboard lists it: where it stands and which phases are late."""

    name: str
    url: str
    phase_label: str
    late_phases: tuple[str, ...]

    @property
    def late(self):
        return bool(self.late_phases)


def wave_statuses(user, today=None):
    """The waves ``user`` sees, in their order, with their current phase and late phases
    (:meth:`~workflows.models.PlanPhase.is_late`); two queries."""
    today = today or timezone.localdate()
    plans = plans_visible_to(user, RolloutPlan.objects.prefetch_related("schedule"))
    return [
        WaveStatus(
            name=plan.name,
            url=reverse("rollouts:detail", args=[plan.pk]),
            phase_label=str(plan.get_phase_display()),
            late_phases=tuple(
                str(Phase(entry.phase).label)
                for entry in sorted(plan.schedule.all(), key=_phase_order)
                if entry.is_late(today)
            ),
        )
        for plan in plans
    ]


def _phase_order(entry: PlanPhase):
    return position(entry.phase)
