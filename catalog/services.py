"""Writes to the catalog. Admin forms, imports and commands all land here or in model
``clean()``, so every front end validates the same way.

Each upsert takes the record's natural key (its code) and the values it should have, and
writes only when something differs: loading the same data twice changes nothing, not even
a timestamp or a history entry.
"""

from enum import StrEnum

from django.db import transaction
from wagtail.log_actions import log

from catalog.models import Department, Facility, ReportedFigure, Service


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def _upsert(model, *, lookup, values, user=None):
    """Create or update one record by ``lookup``; validate, save, and record its history."""
    instance = model._default_manager.filter(**lookup).first()
    if instance is None:
        instance, outcome = model(**lookup, **values), Outcome.CREATED
    elif any(getattr(instance, field) != value for field, value in values.items()):
        for field, value in values.items():
            setattr(instance, field, value)
        outcome = Outcome.UPDATED
    else:
        return instance, Outcome.UNCHANGED
    instance.full_clean()
    with transaction.atomic():
        instance.save()
        revision = None
        if hasattr(instance, "save_revision"):
            revision = instance.save_revision(user=user, log_action=False)
        log(
            instance,
            "wagtail.create" if outcome is Outcome.CREATED else "wagtail.edit",
            user=user,
            revision=revision,
        )
    return instance, outcome


def department_upsert(*, code: str, name: str, parent_code: str | None = None, user=None):
    """Create or update a department by code; its parent is named by code too."""
    parent = Department.objects.get(code=parent_code) if parent_code else None
    return _upsert(
        Department, lookup={"code": code}, values={"name": name, "parent": parent}, user=user
    )


def facility_upsert(
    *,
    code: str,
    name: str,
    operation_type: str,
    department_code: str,
    postal_code: str = "",
    address: str = "",
    is_sample: bool = False,
    user=None,
):
    """Create or update a facility by code."""
    return _upsert(
        Facility,
        lookup={"code": code},
        values={
            "name": name,
            "operation_type": operation_type,
            "department": Department.objects.get(code=department_code),
            "postal_code": postal_code,
            "address": address,
            "is_sample": is_sample,
        },
        user=user,
    )


def service_upsert(
    *,
    code: str,
    name: str,
    kind: str,
    route: str,
    department_code: str,
    facility_code: str | None = None,
    standard_amount: int | None = None,
    notes: str = "",
    user=None,
):
    """Create or update a service by code."""
    return _upsert(
        Service,
        lookup={"code": code},
        values={
            "name": name,
            "kind": kind,
            "route": route,
            "department": Department.objects.get(code=department_code),
            "facility": Facility.objects.get(code=facility_code) if facility_code else None,
            "standard_amount": standard_amount,
            "notes": notes,
        },
        user=user,
    )


def reported_figure_upsert(
    *,
    fiscal_year: int,
    scope: str,
    months: int,
    payment_count: int,
    amount: int,
    source: str = "",
    user=None,
):
    """Create or update the policy's reported figure for a fiscal year and scope."""
    return _upsert(
        ReportedFigure,
        lookup={"fiscal_year": fiscal_year, "scope": scope},
        values={
            "months": months,
            "payment_count": payment_count,
            "amount": amount,
            "source": source,
        },
        user=user,
    )
