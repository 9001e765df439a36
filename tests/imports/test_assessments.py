"""The assessment ledger (調定額): imported as staff type it, re-imported with a new amount,
undone, kept to the importer's departments, and refused row by row with the reason."""

import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from catalog import roles
from catalog.fiscal import fiscal_year, fiscal_year_label
from catalog.models import Assessment, Service
from imports.models import LedgerImport
from imports.services import importable_kind_choices, ledger_import_undo
from tests.imports.conftest import XLSX, headers_of, workbook_bytes

pytestmark = pytest.mark.django_db
Status = LedgerImport.Status


@pytest.fixture(autouse=True)
def english():
    """Row errors are stored in the language active during the check."""
    with translation.override("en"):
        yield


@pytest.fixture
def tax(make_service, two_departments):
    return make_service(
        department=two_departments["ours"],
        code="02001",
        name="市県民税",
        kind=Service.Kind.TAX,
        route=Service.Route.SLIP,
    )


def book(*rows, headers=None):
    return workbook_bytes(headers or headers_of("assessments"), rows)


def stored():
    return sorted(
        Assessment.objects.values_list("fiscal_year", "service__code", "amount"),
    )


def issues_of(ledger_import):
    return list(ledger_import.issues.values_list("row", "column", "value", "message"))


def test_assessments_are_imported_in_the_forms_staff_type(
    upload, confirm, clerk, tax, two_departments
):
    counter = two_departments["our_service"]  # any service may be assessed, whatever its route
    rows = [
        [2024, "02001", 1_200_000],
        ["令和5年度", 2001, "¥1,100,000"],  # a code Excel stored as a number
        ["R4", "０２００１", "１，０００，０００円"],
        ["２０２１年度", " 02001 ", "900000"],
        ["令和6年度 (2024)", counter.code, 300],
    ]
    headers = ["年度", "サービス コード", "調定額（円）"]

    ledger_import = upload("assessments", book(*rows, headers=headers), clerk)

    assert ledger_import.status == Status.PREVIEW, ledger_import.message
    assert issues_of(ledger_import) == []
    assert (ledger_import.new_count, ledger_import.invalid_count) == (5, 0)
    assert not Assessment.objects.exists()  # the preview writes nothing

    committed = confirm(ledger_import, clerk)

    assert committed.status == Status.COMMITTED
    assert stored() == sorted(
        [
            (2024, "02001", 1_200_000),
            (2023, "02001", 1_100_000),
            (2022, "02001", 1_000_000),
            (2021, "02001", 900_000),
            (2024, counter.code, 300),
        ]
    )


def test_reimport_with_a_changed_amount_updates_it(upload, confirm, clerk, tax):
    confirm(
        upload("assessments", book([2024, "02001", 1_200_000], [2023, "02001", 900]), clerk), clerk
    )
    unchanged_stamp = Assessment.objects.get(fiscal_year=2023).updated_at

    again = upload("assessments", book([2024, "02001", "1,300,000"], [2023, "02001", 900]), clerk)

    assert (again.new_count, again.changed_count, again.unchanged_count) == (0, 1, 1)
    page = again.journal.get(phase="preview", outcome="changed")
    assert page.entries == [
        {"row": 2, "key": "令和6年度 / 02001", "changes": {"調定額": ["1200000", "1300000"]}}
    ]
    assert Assessment.objects.get(fiscal_year=2024).amount == 1_200_000

    confirm(again, clerk)

    assert stored() == [(2023, "02001", 900), (2024, "02001", 1_300_000)]
    assert Assessment.objects.get(fiscal_year=2023).updated_at == unchanged_stamp


def test_undo_restores_changed_amounts_and_deletes_created_rows(upload, confirm, clerk, tax):
    confirm(upload("assessments", book([2023, "02001", 1_000_000]), clerk), clerk)
    second = confirm(
        upload("assessments", book([2023, "02001", 1_050_000], [2024, "02001", 1_200_000]), clerk),
        clerk,
    )
    assert (second.new_count, second.changed_count) == (1, 1)
    assert stored() == [(2023, "02001", 1_050_000), (2024, "02001", 1_200_000)]

    undone = ledger_import_undo(ledger_import=second, user=clerk)

    assert undone.status == Status.UNDONE
    assert stored() == [(2023, "02001", 1_000_000)]


def test_undo_is_refused_naming_an_assessment_changed_since(upload, confirm, clerk, tax):
    committed = confirm(upload("assessments", book([2024, "02001", 1_200_000]), clerk), clerk)
    assessment = Assessment.objects.get()
    assessment.amount = 1_250_000
    assessment.save()  # corrected since the import (by a later import or the shell)

    with pytest.raises(ValidationError, match="令和6年度 02001 市県民税"):
        ledger_import_undo(ledger_import=committed, user=clerk)
    assert stored() == [(2024, "02001", 1_250_000)]


def test_a_department_administrator_cannot_assess_another_departments_service(
    upload, confirm, clerk, tax, two_departments, make_user
):
    theirs = two_departments["their_service"]
    rows = [[2024, "02001", 1_000], [2024, theirs.code, 2_000]]

    ledger_import = upload("assessments", book(*rows), clerk)

    [(row, column, value, message)] = issues_of(ledger_import)
    assert (row, column, value) == (3, "サービスコード", theirs.code)
    assert two_departments["theirs"].name in message
    assert ledger_import.new_count == 1
    confirm(ledger_import, clerk, skip_invalid=True)
    assert stored() == [(2024, "02001", 1_000)]

    # A system administrator sees every department and may.
    admin = make_user(roles.SYSTEM_ADMIN)
    everything = confirm(upload("assessments", book(*rows), admin), admin)
    assert (everything.new_count, everything.unchanged_count, everything.invalid_count) == (1, 1, 0)
    assert (2024, theirs.code, 2_000) in stored()


def test_rows_with_a_bad_year_or_amount_are_refused_saying_where_and_why(upload, clerk, tax):
    current = fiscal_year(timezone.localdate())
    rows = [
        [1999, "02001", 1_000],  # 2
        [current + 2, "02001", 1_000],  # 3: more than a year ahead
        ["令和6年", "02001", -5],  # 4
        ["令和6年度", "02001", None],  # 5
        ["令和6年度", "02001", "0円"],  # 6
        ["平成32年度", "02001", 1_000],  # 7: 平成 had ended
        ["今年", "02001", 1_000],  # 8
        [2024, "99999", 1_000],  # 9
        [2024, "02001", "12.5"],  # 10
        [current + 1, "02001", 1_000],  # next year's budget may go in already
    ]

    ledger_import = upload("assessments", book(*rows), clerk)

    issues = issues_of(ledger_import)
    assert [(row, column, value) for row, column, value, _message in issues] == [
        (2, "年度", "1999"),
        (3, "年度", str(current + 2)),
        (4, "調定額", "-5"),
        (5, "調定額", ""),
        (6, "調定額", "0円"),
        (7, "年度", "平成32年度"),
        (8, "年度", "今年"),
        (9, "サービスコード", "99999"),
        (10, "調定額", "12.5"),
    ]
    messages = {row: message for row, _column, _value, message in issues}
    assert "2000 to 2100" in messages[2]
    assert fiscal_year_label(current + 2) in messages[3]
    assert fiscal_year_label(current + 1) in messages[3]  # the latest year that may be
    assert "negative" in messages[4]
    assert messages[5] == "This cell is required."
    assert "1 or more" in messages[6]
    assert "平成 ended" in messages[7]
    assert "令和6年度" in messages[8]  # how to write a year
    assert "99999" in messages[9]
    assert "fraction" in messages[10]
    assert (ledger_import.new_count, ledger_import.invalid_count) == (1, 9)


def test_finance_is_not_offered_the_assessment_ledger(upload, client, finance, clerk):
    assert "assessments" not in dict(importable_kind_choices(finance))
    with pytest.raises(PermissionDenied):
        upload("assessments", book([2024, "02001", 1_000]), finance)
    client.force_login(finance)
    assert client.get(reverse("ledger_imports:template", args=["assessments"])).status_code == 404

    assert dict(importable_kind_choices(clerk))["assessments"] == "Assessed amounts (調定額)"


def test_the_upload_page_offers_the_template_to_department_administrators(client, clerk):
    client.force_login(clerk)
    template_url = reverse("ledger_imports:template", args=["assessments"])

    page = client.get(reverse("ledger_imports:add")).content.decode()
    assert template_url in page
    assert 'value="assessments"' in page

    response = client.get(template_url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(XLSX)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["調定額"]
    assert [cell.value for cell in sheet[1]] == ["年度", "サービスコード", "調定額"]
    assert [cell.value for cell in sheet[2]] == ["令和6年度", "20001", 1200000]
    assert sheet["C2"].number_format == "#,##0"
