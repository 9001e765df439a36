"""What every database needs for the KPIs, (re)built after each ``migrate``: the roles'
permissions on targets and the national cashless goal."""

from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import DEFAULT_DB_ALIAS

from catalog import roles
from kpis.models import Metric, Target

TARGET = "kpis.{action}_target"
ROLE_KPI_PERMISSIONS = {
    # Finance watches the KPIs and sets the targets; department administrators see the
    # dashboard of their own departments, which needs no permission of its own.
    roles.FINANCE: [TARGET.format(action=action) for action in ("add", "change", "delete", "view")],
    roles.SYSTEM_ADMIN: [
        TARGET.format(action=action) for action in ("add", "change", "delete", "view")
    ],
}

#: The national goal (キャッシュレス・ビジョン): a cashless share of about 40% by 2025,
#: measured by amount. The city's policy cites it; it is the dashboard's default target.
NATIONAL_TARGET = {
    "metric": Metric.CASHLESS_SHARE_AMOUNT,
    "fiscal_year": 2025,
    "percent": Decimal("40.0"),
    "source": "国の目標（キャッシュレス・ビジョン）: 2025年までにキャッシュレス決済比率4割程度",
}


def ensure_kpi_setup(using=DEFAULT_DB_ALIAS, **kwargs):
    """Grant the roles their target permissions and seed the national goal. Only adds: the
    goal is created only while no city-wide target of its indicator exists at all, so one
    finance changed (its year, percent or source) or replaced stays as they left it."""
    for name, permission_names in ROLE_KPI_PERMISSIONS.items():
        group = Group.objects.using(using).get(name=name)
        group.permissions.add(*roles.permissions_named(permission_names))
    city_wide = Target.objects.using(using).filter(
        metric=NATIONAL_TARGET["metric"], service__isnull=True
    )
    if not city_wide.exists():
        Target.objects.using(using).create(**NATIONAL_TARGET)
