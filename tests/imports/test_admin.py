"""The import screens: upload, the check's progress, the preview, confirm and undo, the
downloads, and who sees which import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.models import Service
from imports.models import LedgerImport
from tests.imports.conftest import XLSX, headers_of, workbook_bytes

pytestmark = pytest.mark.django_db
Status = LedgerImport.Status


def book(department, *rows):
    return workbook_bytes(
        headers_of("services"),
        [
            [department.code, code, name, "証明書交付手数料", "窓口払い", "", 300, ""]
            for code, name in rows
        ],
    )


@pytest.fixture
def logged_in(client, clerk):
    client.force_login(clerk)
    return client


def post_upload(client, content, django_capture_on_commit_callbacks, kind="services"):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            reverse("ledger_imports:add"),
            {"kind": kind, "file": SimpleUploadedFile("収納対象.xlsx", content, XLSX)},
        )


def test_upload_preview_confirm_and_undo(
    logged_in, two_departments, django_capture_on_commit_callbacks
):
    ours = two_departments["ours"]
    response = post_upload(
        logged_in,
        book(ours, ("30001", "住民票"), ("3000X", "壊れた行")),
        django_capture_on_commit_callbacks,
    )
    ledger_import = LedgerImport.objects.get()
    assert response.url == reverse("ledger_imports:detail", args=[ledger_import.pk])

    page = logged_in.get(response.url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "3000X" in text and "住民票" in text
    progress = logged_in.get(reverse("ledger_imports:progress", args=[ledger_import.pk])).json()
    assert progress["status"] == Status.PREVIEW and progress["rows_done"] == 2
    assert progress["running"] is False

    # Invalid rows: confirming without choosing to skip them is refused.
    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(reverse("ledger_imports:confirm", args=[ledger_import.pk]))
    assert not Service.objects.filter(code="30001").exists()
    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(
            reverse("ledger_imports:confirm", args=[ledger_import.pk]), {"skip_invalid": "on"}
        )
    ledger_import.refresh_from_db()
    assert ledger_import.status == Status.COMMITTED
    assert Service.objects.filter(code="30001").exists()

    # A second confirm (a double submit) changes nothing.
    logged_in.post(
        reverse("ledger_imports:confirm", args=[ledger_import.pk]), {"skip_invalid": "on"}
    )
    assert Service.objects.filter(code="30001").count() == 1

    logged_in.post(reverse("ledger_imports:undo", args=[ledger_import.pk]))
    ledger_import.refresh_from_db()
    assert ledger_import.status == Status.UNDONE
    assert not Service.objects.filter(code="30001").exists()


def test_error_downloads(logged_in, two_departments, django_capture_on_commit_callbacks):
    post_upload(
        logged_in, book(two_departments["ours"], ("+1-1", "式")), django_capture_on_commit_callbacks
    )
    ledger_import = LedgerImport.objects.get()

    csv = logged_in.get(reverse("ledger_imports:issues_csv", args=[ledger_import.pk]))
    body = b"".join(csv.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    assert b"'+1-1" in body
    sjis = logged_in.get(
        reverse("ledger_imports:issues_csv", args=[ledger_import.pk]) + "?encoding=cp932"
    )
    assert "サービスコード".encode("cp932") in b"".join(sjis.streaming_content)
    workbook = logged_in.get(reverse("ledger_imports:error_workbook", args=[ledger_import.pk]))
    assert workbook.status_code == 200
    original = logged_in.get(reverse("ledger_imports:file", args=[ledger_import.pk]))
    assert original.status_code == 200


def test_templates_download_for_importable_kinds_only(client, clerk, finance):
    client.force_login(clerk)
    response = client.get(reverse("ledger_imports:template", args=["services"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(XLSX)
    client.force_login(finance)
    assert client.get(reverse("ledger_imports:template", args=["services"])).status_code == 404
    assert client.get(reverse("ledger_imports:template", args=["slips"])).status_code == 200


def test_others_imports_are_not_found(
    client, clerk, make_user, two_departments, django_capture_on_commit_callbacks, finance
):
    from catalog import roles

    client.force_login(clerk)
    post_upload(
        client,
        book(two_departments["ours"], ("30001", "住民票")),
        django_capture_on_commit_callbacks,
    )
    ledger_import = LedgerImport.objects.get()
    colleague = make_user(roles.DEPARTMENT_ADMIN, departments=[two_departments["theirs"]])

    client.force_login(colleague)
    assert client.get(reverse("ledger_imports:detail", args=[ledger_import.pk])).status_code == 404
    client.post(reverse("ledger_imports:confirm", args=[ledger_import.pk]))
    ledger_import.refresh_from_db()
    assert ledger_import.status == Status.PREVIEW
    listing = client.get(reverse("ledger_imports:index"))
    assert "収納対象.xlsx" not in listing.content.decode()

    client.force_login(finance)
    assert client.get(reverse("ledger_imports:detail", args=[ledger_import.pk])).status_code == 200
    assert "収納対象.xlsx" in client.get(reverse("ledger_imports:index")).content.decode()


def test_history_exports_as_csv_with_bom(
    logged_in, two_departments, django_capture_on_commit_callbacks
):
    post_upload(
        logged_in,
        book(two_departments["ours"], ("30001", "住民票")),
        django_capture_on_commit_callbacks,
    )

    response = logged_in.get(reverse("ledger_imports:index") + "?export=csv")

    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    assert "収納対象.xlsx".encode() in body


def test_an_empty_upload_is_refused_on_the_form(logged_in, django_capture_on_commit_callbacks):
    response = post_upload(logged_in, b"", django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert "error-message" in response.content.decode()
    assert not LedgerImport.objects.exists()


def test_an_oversized_upload_is_recorded_as_refused_and_not_kept(
    logged_in, two_departments, django_capture_on_commit_callbacks, settings
):
    settings.IMPORT_LIMITS = {"max_bytes": 1000}
    post_upload(
        logged_in,
        book(two_departments["ours"], ("30001", "住民票")),
        django_capture_on_commit_callbacks,
    )

    ledger_import = LedgerImport.objects.get()
    assert ledger_import.status == Status.REJECTED
    assert not ledger_import.file
    page = logged_in.get(reverse("ledger_imports:detail", args=[ledger_import.pk]))
    assert ledger_import.message in page.content.decode()
