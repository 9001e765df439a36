"""The city's demo data: the catalog from ``fixtures/catalog.toml`` and, in development
only, one demo user per role.

Every write goes through :mod:`catalog.services`, so loading twice changes nothing.
"""

import tomllib
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from catalog.models import Department, Facility, Service
from catalog.services import (
    department_upsert,
    facility_upsert,
    reported_figure_upsert,
    service_upsert,
)

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "catalog.toml"
ADMISSION_NAME = "{facility} 入場料（一般）"


def read_fixture(path=FIXTURE):
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def admission_services(facilities):
    """One counter admission fee per tourist facility that lists a ``fee``."""
    for facility in facilities:
        if "fee" in facility:
            yield {
                "code": "2" + facility["code"],
                "name": ADMISSION_NAME.format(facility=facility["name"]),
                "kind": Service.Kind.ADMISSION,
                "route": Service.Route.COUNTER,
                "department": facility["department"],
                "facility": facility["code"],
                "amount": facility["fee"],
            }


@transaction.atomic
def load_catalog(data):
    """Upsert departments, facilities, services and figures; return counts per outcome."""
    counts = Counter()
    for row in data["departments"]:
        _, outcome = department_upsert(
            code=row["code"], name=row["name"], parent_code=row.get("parent")
        )
        counts[outcome] += 1
    for row in data["facilities"]:
        _, outcome = facility_upsert(
            code=row["code"],
            name=row["name"],
            operation_type=row["operation_type"],
            department_code=row["department"],
            postal_code=row.get("postal_code", ""),
            address=row.get("address", ""),
            is_sample=True,
        )
        counts[outcome] += 1
    for row in [*data["services"], *admission_services(data["facilities"])]:
        _, outcome = service_upsert(
            code=row["code"],
            name=row["name"],
            kind=row["kind"],
            route=row["route"],
            department_code=row["department"],
            facility_code=row.get("facility"),
            standard_amount=row.get("amount"),
            notes=row.get("notes", ""),
        )
        counts[outcome] += 1
    for row in data["figures"]:
        _, outcome = reported_figure_upsert(
            fiscal_year=row["fiscal_year"],
            scope=row["scope"],
            months=row["months"],
            payment_count=row["payment_count"],
            amount=row["amount"],
            source=data["source"],
        )
        counts[outcome] += 1
    return counts


@transaction.atomic
def load_demo_users(data):
    """Create the demo users (development only); an existing user keeps its password.

    Returns ``(username, password, role)`` for each, to be printed; the password is None
    when the user has changed it since, so no wrong password is ever printed.
    """
    User = get_user_model()
    logins = []
    for row in data["users"]:
        user, created = User.objects.get_or_create(
            username=row["username"],
            defaults={
                "last_name": row.get("last_name", ""),
                "first_name": row.get("first_name", ""),
            },
        )
        if created:
            user.set_password(row["password"])
            user.save()
        user.groups.add(Group.objects.get(name=row["role"]))
        user.administered_departments.add(
            *Department.objects.filter(code__in=row.get("departments", []))
        )
        password = row["password"] if user.check_password(row["password"]) else None
        logins.append((row["username"], password, row["role"]))
    return logins


def catalog_totals():
    """What the catalog holds, for the command's summary."""
    return {
        "departments": Department.objects.count(),
        "facilities": Facility.objects.count(),
        "services": Service.objects.count(),
    }
