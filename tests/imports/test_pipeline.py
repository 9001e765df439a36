"""The pipeline end to end: preview counts and diffs, all-or-nothing commit, skipping
invalid rows, re-import, undo, department rules and a job that dies half way."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from wagtail.models import Revision

from catalog.models import Service
from channels.models import PaymentSlip
from channels.services import channel_create
from imports.kinds import kind_for
from imports.models import LedgerImport
from imports.services import ledger_import_undo
from tests.channels.conftest import payment_method, valid_config
from tests.imports.conftest import headers_of, workbook_bytes

pytestmark = pytest.mark.django_db
Status = LedgerImport.Status


def service_row(department, code, name="住民票の写し", *, kind="証明書交付手数料", amount="300"):
    return [department.code, code, name, kind, "窓口払い", "", amount, ""]


def services_book(rows):
    return workbook_bytes(headers_of("services"), rows)


def test_preview_counts_new_rows_and_writes_nothing(upload, clerk, two_departments):
    ours = two_departments["ours"]
    book = services_book([service_row(ours, "30001"), service_row(ours, "30002", "戸籍謄本")])

    ledger_import = upload("services", book, clerk)

    assert ledger_import.status == Status.PREVIEW
    assert (ledger_import.new_count, ledger_import.changed_count) == (2, 0)
    assert (ledger_import.unchanged_count, ledger_import.invalid_count) == (0, 0)
    assert not Service.objects.filter(code__in=["30001", "30002"]).exists()


def test_confirm_creates_with_history_and_reimport_changes_nothing(
    upload, confirm, clerk, two_departments
):
    ours = two_departments["ours"]
    book = services_book([service_row(ours, "30001"), service_row(ours, "30002", "戸籍謄本")])

    committed = confirm(upload("services", book, clerk), clerk)

    assert committed.status == Status.COMMITTED
    service = Service.objects.get(code="30001")
    assert (service.name, service.standard_amount, service.department) == (
        "住民票の写し",
        300,
        ours,
    )
    assert Revision.objects.for_instance(service).count() == 1
    stamp = service.updated_at

    again = upload("services", book, clerk)
    assert (again.new_count, again.changed_count, again.unchanged_count) == (0, 0, 2)
    again = confirm(again, clerk)
    assert again.status == Status.COMMITTED
    service.refresh_from_db()
    assert service.updated_at == stamp
    assert Revision.objects.for_instance(service).count() == 1


def test_preview_lists_changed_fields(upload, confirm, clerk, two_departments):
    ours = two_departments["ours"]
    confirm(upload("services", services_book([service_row(ours, "30001")]), clerk), clerk)

    changed = upload(
        "services", services_book([service_row(ours, "30001", "住民票", amount="¥350")]), clerk
    )

    assert (changed.new_count, changed.changed_count) == (0, 1)
    page = changed.journal.get(phase="preview", outcome="changed")
    assert page.entries == [
        {
            "row": 2,
            "key": "30001",
            "changes": {"サービス名": ["住民票の写し", "住民票"], "標準金額": ["300", "350"]},
        }
    ]


def test_invalid_rows_block_the_commit_unless_skipped(upload, confirm, clerk, two_departments):
    ours = two_departments["ours"]
    book = services_book(
        [
            service_row(ours, "30001"),
            service_row(ours, "3000X"),
            service_row(ours, "30003", amount="-5"),
        ]
    )
    ledger_import = upload("services", book, clerk)
    assert (ledger_import.new_count, ledger_import.invalid_count) == (1, 2)
    issues = list(ledger_import.issues.values_list("row", "column", "value"))
    assert issues == [(3, "サービスコード", "3000X"), (4, "標準金額", "-5")]

    with pytest.raises(ValidationError, match="2"):
        confirm(ledger_import, clerk)
    assert not Service.objects.filter(code="30001").exists()

    committed = confirm(ledger_import, clerk, skip_invalid=True)
    assert committed.status == Status.COMMITTED
    assert committed.skip_invalid
    assert list(Service.objects.filter(code__startswith="3000").values_list("code", flat=True)) == [
        "30001"
    ]
    assert committed.issues.count() == 2


def test_duplicate_keys_in_one_file_are_errors(upload, clerk, two_departments):
    ours = two_departments["ours"]
    book = services_book([service_row(ours, "30001"), service_row(ours, "30001", "別名")])

    ledger_import = upload("services", book, clerk)

    issue = ledger_import.issues.get()
    assert (issue.row, issue.column) == (3, "サービスコード")
    assert "2" in issue.message


def test_department_administrators_import_only_their_departments(upload, clerk, two_departments):
    theirs = two_departments["theirs"]
    their_service = two_departments["their_service"]
    book = services_book(
        [
            service_row(theirs, "30001"),
            # Moving another department's service into ours is refused too.
            service_row(two_departments["ours"], their_service.code, "乗っ取り"),
        ]
    )

    ledger_import = upload("services", book, clerk)

    assert ledger_import.invalid_count == 2
    messages = list(ledger_import.issues.values_list("column", "message"))
    assert all(column == "部署コード" for column, _message in messages)
    assert all(theirs.name in message for _column, message in messages)


def test_finance_may_not_import_the_catalog(upload, finance):
    with pytest.raises(PermissionDenied):
        upload("services", services_book([]), finance)


def test_undo_restores_created_and_changed_records(upload, confirm, clerk, two_departments):
    ours = two_departments["ours"]
    confirm(upload("services", services_book([service_row(ours, "30001")]), clerk), clerk)
    second = confirm(
        upload(
            "services",
            services_book([service_row(ours, "30001", "住民票"), service_row(ours, "30002")]),
            clerk,
        ),
        clerk,
    )
    assert (second.new_count, second.changed_count) == (1, 1)

    undone = ledger_import_undo(ledger_import=second, user=clerk)

    assert undone.status == Status.UNDONE
    assert Service.objects.get(code="30001").name == "住民票の写し"
    assert not Service.objects.filter(code="30002").exists()


def test_undo_is_refused_naming_records_changed_since(upload, confirm, clerk, two_departments):
    ours = two_departments["ours"]
    committed = confirm(
        upload("services", services_book([service_row(ours, "30001")]), clerk), clerk
    )
    service = Service.objects.get(code="30001")
    service.name = "窓口で直した名前"
    service.save()

    with pytest.raises(ValidationError, match="30001"):
        ledger_import_undo(ledger_import=committed, user=clerk)
    assert Service.objects.get(code="30001").name == "窓口で直した名前"
    committed.refresh_from_db()
    assert committed.status == Status.COMMITTED


def test_a_job_that_dies_half_way_writes_nothing(
    upload, confirm, clerk, two_departments, monkeypatch
):
    ours = two_departments["ours"]
    rows = [service_row(ours, f"3{n:04d}") for n in range(1, 6)]
    ledger_import = upload("services", services_book(rows), clerk)
    kind = kind_for("services")
    written = []
    original = type(kind)._write

    def dies_on_the_fourth(self, row, ctx):
        if len(written) == 3:
            raise RuntimeError("worker killed")
        written.append(row["code"])
        return original(self, row, ctx)

    monkeypatch.setattr(type(kind), "_write", dies_on_the_fourth)

    failed = confirm(ledger_import, clerk)

    assert written == ["30001", "30002", "30003"]
    assert failed.status == Status.FAILED
    assert "nothing" in failed.message.lower() or "取り込まれていません" in failed.message
    assert not Service.objects.filter(code__startswith="3000").exists()


def slip_row(number, service, amount=12300, due="2025/4/30", reissue=0):
    return [number, service.code, "1234567890", amount, due, reissue, "", ""]


@pytest.fixture
def slip_channel(slip_service):
    return channel_create(
        service=slip_service,
        method=payment_method("convenience_store"),
        publish=True,
        **valid_config("convenience_store"),
    )


def test_slips_get_barcodes_from_the_published_channel(
    upload, confirm, clerk, slip_service, slip_channel
):
    book = workbook_bytes(
        headers_of("slips"),
        [
            slip_row("0000000001", slip_service, amount="¥12,300", due="令和7年4月30日"),
            slip_row("0000000002", slip_service, amount=300_001),
        ],
    )

    committed = confirm(upload("slips", book, clerk), clerk)

    assert committed.status == Status.COMMITTED, committed.message
    first, second = PaymentSlip.objects.order_by("slip_number")
    assert (first.amount, first.due_date) == (12300, dt.date(2025, 4, 30))
    assert len(first.barcode_data) == 44
    assert first.barcode_data.startswith("91912345" + "42201" + "0000000001")
    assert second.barcode_data == ""
    assert "300,000" in second.barcode_note


def test_a_bulk_commit_that_dies_in_its_second_chunk_writes_nothing(
    upload, confirm, clerk, slip_service, slip_channel, monkeypatch
):
    from imports.engine import CHUNK_ROWS
    from imports.kinds.slips import SlipKind

    rows = [slip_row(f"{n:010d}", slip_service) for n in range(1, CHUNK_ROWS + 501)]
    ledger_import = upload("slips", workbook_bytes(headers_of("slips"), rows), clerk)
    assert ledger_import.new_count == CHUNK_ROWS + 500
    calls = []
    original = SlipKind.write_new

    def dies_on_the_second_chunk(self, rows, ctx, stamp):
        calls.append(len(rows))
        if len(calls) == 2:
            raise OSError("disk full")
        return original(self, rows, ctx, stamp)

    monkeypatch.setattr(SlipKind, "write_new", dies_on_the_second_chunk)

    failed = confirm(ledger_import, clerk)

    assert calls == [CHUNK_ROWS, 500]
    assert failed.status == Status.FAILED
    assert not PaymentSlip.objects.exists()
    assert not failed.journal.filter(phase="commit").exists()


def test_a_check_interrupted_by_a_dead_worker_runs_again(upload, clerk, two_departments):
    from imports.services import ledger_import_analyse

    ledger_import = upload(
        "services", services_book([service_row(two_departments["ours"], "30001")]), clerk
    )
    LedgerImport.objects.filter(pk=ledger_import.pk).update(
        status=Status.ANALYSING, new_count=0, rows_done=0
    )

    again = ledger_import_analyse(import_id=ledger_import.pk)

    assert again.status == Status.PREVIEW
    assert again.new_count == 1
    assert again.journal.filter(phase="preview").count() == 1
