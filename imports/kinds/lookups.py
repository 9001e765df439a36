"""Codes → records, looked up once per import so checking a row touches no database.

Each lookup returns small named tuples keyed by the code a ledger writes. A city has
hundreds of services and facilities, so they all fit in memory.
"""

from typing import NamedTuple

from catalog.models import Department, Facility, Service
from channels.models import PaymentMethod


class ServiceEntry(NamedTuple):
    pk: int
    code: str
    name: str
    route: str
    department_id: int


class FacilityEntry(NamedTuple):
    pk: int
    code: str
    name: str
    department_id: int


class DepartmentEntry(NamedTuple):
    pk: int
    code: str
    name: str


def service_lookup():
    return {
        row[1]: ServiceEntry(*row)
        for row in Service.objects.values_list("pk", "code", "name", "route", "department_id")
    }


def facility_lookup():
    return {
        row[1]: FacilityEntry(*row)
        for row in Facility.objects.values_list("pk", "code", "name", "department_id")
    }


def department_lookup():
    return {
        row[1]: DepartmentEntry(*row)
        for row in Department.objects.values_list("pk", "code", "name")
    }


def department_names():
    """``{department id: "code name"}`` for messages about another department's rows."""
    return {
        pk: f"{code} {name}"
        for pk, code, name in Department.objects.values_list("pk", "code", "name")
    }


def method_options():
    """Every way a ledger may name a payment method → its code: the Japanese name or the
    code itself."""
    options = {}
    for code, name in PaymentMethod.objects.values_list("code", "name"):
        options[name] = code
        options[code] = code
    return options


def method_lookup():
    return {method.code: method for method in PaymentMethod.objects.all()}
