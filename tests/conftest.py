"""Shared fixtures: small factories for the catalog and users of each role."""

import io
import itertools
import shutil
import subprocess

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.utils import translation

from catalog import roles
from catalog.models import Department, Facility, Service

_codes = itertools.count(1)


def _next(width):
    """A fresh code of ``width`` digits; wraps round, since each test starts empty."""
    return str(next(_codes) % 10**width).zfill(width)


@pytest.fixture
def make_department(db):
    def make(**fields):
        fields.setdefault("code", _next(3))
        fields.setdefault("name", f"部署{fields['code']}")
        return Department.objects.create(**fields)

    return make


@pytest.fixture
def make_facility(db, make_department):
    def make(**fields):
        fields.setdefault("code", _next(4))
        fields.setdefault("name", f"施設{fields['code']}")
        fields.setdefault("operation_type", Facility.OperationType.DIRECT)
        if "department" not in fields:
            fields["department"] = make_department()
        return Facility.objects.create(**fields)

    return make


@pytest.fixture
def make_service(db, make_department):
    def make(**fields):
        fields.setdefault("code", _next(5))
        fields.setdefault("name", f"手数料{fields['code']}")
        fields.setdefault("kind", Service.Kind.CERTIFICATE_FEE)
        fields.setdefault("route", Service.Route.COUNTER)
        if "department" not in fields:
            fields["department"] = (
                fields["facility"].department if fields.get("facility") else make_department()
            )
        return Service.objects.create(**fields)

    return make


@pytest.fixture
def make_user(db):
    """A user in one role; department administrators are bound to ``departments``."""

    def make(role, *, departments=(), username=None):
        user = get_user_model().objects.create_user(
            username=username or f"user{next(_codes)}", password="pw-for-tests-only"
        )
        user.groups.add(Group.objects.get(name=role))
        user.administered_departments.add(*departments)
        return user

    return make


@pytest.fixture
def two_departments(make_department, make_facility, make_service):
    """Ours and theirs, each with a facility and a service at it."""
    ours, theirs = make_department(name="観光施設課"), make_department(name="納税課")
    our_facility = make_facility(department=ours, name="出島")
    their_facility = make_facility(department=theirs, name="他課施設")
    return {
        "ours": ours,
        "theirs": theirs,
        "our_facility": our_facility,
        "their_facility": their_facility,
        "our_service": make_service(facility=our_facility, name="出島 入場料"),
        "their_service": make_service(facility=their_facility, name="市税 証明"),
    }


@pytest.fixture
def department_admin(make_user, two_departments):
    return make_user(roles.DEPARTMENT_ADMIN, departments=[two_departments["ours"]])


@pytest.fixture
def finance(make_user):
    return make_user(roles.FINANCE)


@pytest.fixture
def system_admin(make_user):
    return make_user(roles.SYSTEM_ADMIN)


@pytest.fixture(scope="session")
def zbar(tmp_path_factory):
    """Decode a PNG with zbarimg (Debian's zbar-tools): the symbol's raw bytes, read as
    UTF-8. (Without -Sbinary zbar guesses a character set, and may guess Shift_JIS.)"""
    if not shutil.which("zbarimg"):
        pytest.fail("zbarimg is missing: apt-get install zbar-tools (make test does)")
    folder = tmp_path_factory.mktemp("decoded")

    def decode(image: bytes, name: str) -> str:
        path = folder / f"{name}.png"
        path.write_bytes(image)
        result = subprocess.run(
            ["zbarimg", "-q", "--raw", "-Sbinary", str(path)], capture_output=True, timeout=30
        )
        assert result.returncode == 0, f"zbarimg could not read {name}"
        return result.stdout.decode("utf-8").removesuffix("\n")

    return decode


def load_demo():
    """Run `manage.py load_demo` as staff would, in English so its summary can be read."""
    out = io.StringIO()
    with translation.override("en"):
        call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_once(django_db_setup, django_db_blocker):
    """The demo, loaded once for the module that asks (a full load takes seconds): each
    test's own changes roll back as usual, and the load itself after the module's last
    test. Returns what the command printed."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_demo()
        transaction.set_rollback(True)
