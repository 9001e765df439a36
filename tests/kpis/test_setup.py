"""What ``migrate`` leaves for the KPIs: the national cashless goal, seeded once and then
finance's to change."""

from decimal import Decimal

from kpis.models import Metric, Target
from kpis.setup import ensure_kpi_setup


def city_targets():
    return list(
        Target.objects.filter(metric=Metric.CASHLESS_SHARE_AMOUNT, service=None).values_list(
            "fiscal_year", "percent"
        )
    )


def test_the_national_goal_is_there_after_migrate(db):
    assert city_targets() == [(2025, Decimal("40.0"))]


def test_a_goal_finance_moved_stays_where_they_put_it(db):
    Target.objects.filter(service=None).update(fiscal_year=2030, percent=Decimal("60.0"))
    ensure_kpi_setup()
    assert city_targets() == [(2030, Decimal("60.0"))]


def test_the_goal_comes_back_only_when_no_city_wide_cashless_target_is_left(db):
    Target.objects.all().delete()
    ensure_kpi_setup()
    assert city_targets() == [(2025, Decimal("40.0"))]
