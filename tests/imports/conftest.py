"""Ledger fixtures: workbooks written by the test, and the pipeline run as the admin runs it
(upload → check → confirm → commit, with django-q2 running tasks inline)."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog import roles
from catalog.models import Service
from imports.kinds import kind_for
from imports.models import LedgerImport
from imports.services import ledger_import_confirm, ledger_import_create

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(headers, rows, *, title=None, sheet="台帳"):
    """An .xlsx with ``headers`` then ``rows`` (optionally under a title row)."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    if title:
        ws.append([title])
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def headers_of(kind_code):
    return [column.header for column in kind_for(kind_code).columns]


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """Upload a ledger as ``user`` and return the import after its check ran."""

    def run(kind, content, user, *, name="ledger.xlsx"):
        with django_capture_on_commit_callbacks(execute=True):
            ledger_import = ledger_import_create(
                kind=kind,
                uploaded_file=SimpleUploadedFile(name, content, content_type=XLSX),
                user=user,
            )
        ledger_import.refresh_from_db()
        return ledger_import

    return run


@pytest.fixture
def confirm(django_capture_on_commit_callbacks):
    """Confirm an import and return it after its commit ran."""

    def run(ledger_import, user, *, skip_invalid=False):
        with django_capture_on_commit_callbacks(execute=True):
            ledger_import_confirm(ledger_import=ledger_import, user=user, skip_invalid=skip_invalid)
        return LedgerImport.objects.get(pk=ledger_import.pk)

    return run


@pytest.fixture
def slip_service(make_service, two_departments):
    """A tax service of our department, paid by slip."""
    return make_service(
        department=two_departments["ours"],
        kind=Service.Kind.TAX,
        route=Service.Route.SLIP,
        name="市県民税",
    )


@pytest.fixture
def clerk(make_user, two_departments):
    """A department administrator of "ours" (also fine as an importer of catalogs)."""
    return make_user(roles.DEPARTMENT_ADMIN, departments=[two_departments["ours"]])


DUE = dt.date(2025, 4, 30)
