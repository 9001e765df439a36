"""The print vendor's files for a committed slip ledger: a CSV Excel and the vendor's tools
read as it is (BOM, CRLF, Japanese header), a ZIP of images a real scanner (zbarimg)
reads back, refusal for an import that is not committed, and nothing half made when the
build fails."""

import csv
import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from catalog import roles
from catalog.models import Service
from channels.channel_assets import Asset
from channels.models import PaymentMethod, PaymentSlip
from channels.selectors import published_slip_channels
from channels.services import channel_create
from channels.slip_codes import slip_barcode
from imports import print_batch
from imports.models import ImportJournal, LedgerImport, LedgerKind, PrintBatch
from imports.print_batch import CSV_HEADER, print_batch_request
from imports.tasks import build_print_batch

SLIP_LAYOUT = {
    "agent_company_code": "912345",
    "agent_city_code": "42201",
    "slip_number_digits": 10,
    "deadline_rule": "due_date",
    "amount_ceiling": 300_000,
}
EL_QR = "ELQR-0123456789-長崎市-市県民税"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Each test's files in a folder of its own, so "no files" can be checked."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def staff(make_user):
    return make_user(roles.SYSTEM_ADMIN)


@pytest.fixture
def slip_services(make_service):
    """A tax with a published convenience-store channel, and rent without one."""
    tax = make_service(name="市県民税", route=Service.Route.SLIP, kind=Service.Kind.TAX)
    channel_create(
        service=tax,
        method=PaymentMethod.objects.get(code="convenience_store"),
        publish=True,
        **SLIP_LAYOUT,
    )
    rent = make_service(name="市営住宅使用料", route=Service.Route.SLIP, kind=Service.Kind.RENT)
    return tax, rent


@pytest.fixture
def make_slips(slip_services):
    """``make_slips([(slip number, service index, amount, el_qr), ...])``: slips whose
    barcodes are made as the slip ledger's commit makes them."""

    def make(rows):
        channels = published_slip_channels([service.pk for service in slip_services])
        slips = []
        for number, which, amount, el_qr in rows:
            service = slip_services[which]
            data, note = slip_barcode(
                channel=channels.get(service.pk),
                slip_number=number,
                amount=amount,
                due_date=dt.date(2024, 5, 31),
                reissue_count=0,
            )
            slips.append(
                PaymentSlip.objects.create(
                    slip_number=number,
                    service=service,
                    payer_number=f"P{number}",
                    amount=amount,
                    due_date=dt.date(2024, 5, 31),
                    confirmation_number="123",
                    el_qr=el_qr,
                    barcode_data=data,
                    barcode_note=note,
                )
            )
        return slips

    return make


def committed_import(slips, *, status=LedgerImport.Status.COMMITTED, kind=LedgerKind.SLIPS):
    """A slip ledger import whose commit journal names ``slips``: the first new, the second
    changed, the rest unchanged (as the commit writes its journal)."""
    ledger_import = LedgerImport.objects.create(
        kind=kind, file="imports/2024/05/slips.xlsx", original_name="slips.xlsx", status=status
    )
    pages = {
        ImportJournal.Outcome.NEW: [{"pk": slip.pk, "before": None} for slip in slips[:1]],
        ImportJournal.Outcome.CHANGED: [
            {"pk": slip.pk, "before": {"amount": 1}} for slip in slips[1:2]
        ],
        ImportJournal.Outcome.UNCHANGED: [{"pk": slip.pk} for slip in slips[2:]],
    }
    for outcome, entries in pages.items():
        ImportJournal.objects.create(
            ledger_import=ledger_import,
            phase=ImportJournal.Phase.COMMIT,
            outcome=outcome,
            page=1,
            entries=entries,
        )
    # A preview page names rows, not slips: it must not count.
    ImportJournal.objects.create(
        ledger_import=ledger_import,
        phase=ImportJournal.Phase.PREVIEW,
        outcome=ImportJournal.Outcome.NEW,
        page=1,
        entries=[{"row": 2, "key": "x", "changes": {}}],
    )
    return ledger_import


def request(ledger_import, user, capture):
    """Ask for a batch and run its task (on commit, synchronously as tests configure)."""
    with capture(execute=True):
        batch = print_batch_request(ledger_import=ledger_import, user=user)
    batch.refresh_from_db()
    return batch


def read_csv(batch):
    with batch.csv_file.open("rb") as handle:
        raw = handle.read()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    text = raw.decode("utf-8-sig")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text, newline="")))


def test_a_batch_has_a_csv_of_every_slip_and_a_zip_of_their_images(
    make_slips, staff, django_capture_on_commit_callbacks, zbar
):
    with_both, over, no_channel, qr_only = make_slips(
        [
            ("3000", 0, 4500, EL_QR),
            ("1000", 0, 300_001, ""),
            ("2000", 1, 12_000, ""),
            ("0400", 1, 8000, EL_QR),
        ]
    )
    make_slips([("5000", 0, 100, "")])  # another import's slip: not in this batch
    ledger_import = committed_import([with_both, over, no_channel, qr_only])

    batch = request(ledger_import, staff, django_capture_on_commit_callbacks)

    assert batch.status == PrintBatch.Status.READY, batch.message
    assert (batch.slips_total, batch.slips_done) == (4, 4)
    assert batch.created_by == staff
    stem = f"slips-{ledger_import.pk}-{batch.pk}"
    assert batch.csv_file.name.startswith("print-batches/")
    assert batch.csv_file.name.endswith(f"/{stem}.csv")
    assert batch.zip_file.name.endswith(f"/{stem}.zip")

    header, *rows = read_csv(batch)
    assert header == CSV_HEADER
    assert header[0] == "納付番号" and header[8] == "バーコード"
    assert [row[0] for row in rows] == ["0400", "1000", "2000", "3000"]
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    first = by_number["3000"]
    assert first == {
        "納付番号": "3000",
        "サービスコード": with_both.service.code,
        "サービス名": "市県民税",
        "納付者番号": "P3000",
        "金額": "4500",
        "納期限": "2024-05-31",
        "再発行回数": "0",
        "確認番号": "123",
        "バーコード": with_both.barcode_data,
        "バーコードなしの理由": "",
        "eL-QR": EL_QR,
    }
    assert len(first["バーコード"]) == 44 and first["バーコード"].isdigit()
    assert by_number["1000"]["バーコード"] == ""
    assert by_number["1000"]["バーコードなしの理由"] == (
        "¥300,001 is over ¥300,000: no barcode is printed for it."
    )
    assert by_number["2000"]["バーコードなしの理由"] == (
        "The service has no published convenience-store channel."
    )

    with batch.zip_file.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        assert sorted(archive.namelist()) == [
            "barcode/3000.png",
            "el-qr/0400.png",
            "el-qr/3000.png",
        ]
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_DEFLATED}
        assert zbar(archive.read("barcode/3000.png"), "zip-barcode") == with_both.barcode_data
        assert zbar(archive.read("el-qr/0400.png"), "zip-el-qr") == EL_QR


@pytest.mark.parametrize(
    "status",
    [
        LedgerImport.Status.PREVIEW,
        LedgerImport.Status.COMMITTING,
        LedgerImport.Status.FAILED,
        LedgerImport.Status.UNDONE,
    ],
)
def test_only_a_committed_import_gets_print_files(
    status, make_slips, staff, django_capture_on_commit_callbacks
):
    ledger_import = committed_import(make_slips([("1", 0, 100, "")]), status=status)
    with pytest.raises(ValidationError) as refused, django_capture_on_commit_callbacks() as queued:
        print_batch_request(ledger_import=ledger_import, user=staff)
    assert refused.value.code == "not_committed"
    assert str(LedgerImport.Status(status).label) in refused.value.messages[0]
    assert queued == []
    assert not PrintBatch.objects.exists()


def test_only_a_slip_ledger_gets_print_files(staff):
    ledger_import = committed_import([], kind=LedgerKind.SERVICES)
    with pytest.raises(ValidationError) as refused:
        print_batch_request(ledger_import=ledger_import, user=staff)
    assert refused.value.code == "not_slips"
    assert not PrintBatch.objects.exists()


def test_a_failed_build_leaves_no_files_and_says_where_it_stopped(
    make_slips, staff, django_capture_on_commit_callbacks, monkeypatch, media
):
    slips = make_slips([("1", 0, 100, ""), ("2", 0, 200, ""), ("3", 0, 300, "")])
    ledger_import = committed_import(slips)
    real_render = Asset.render

    def render(asset, fmt):
        if "0000000002" in asset.payload:  # slip 2's barcode
            raise OSError("disk full")
        return real_render(asset, fmt)

    monkeypatch.setattr(Asset, "render", render)

    batch = request(ledger_import, staff, django_capture_on_commit_callbacks)

    assert batch.status == PrintBatch.Status.FAILED
    assert "slip 2" in batch.message
    assert not batch.csv_file and not batch.zip_file
    assert not any(path.is_file() for path in media.rglob("*"))


def test_a_failure_while_storing_removes_the_file_already_stored(
    make_slips, staff, django_capture_on_commit_callbacks, monkeypatch, media
):
    ledger_import = committed_import(make_slips([("1", 1, 100, "")]))
    real_save = type(PrintBatch().zip_file).save

    def save(field, name, content, save=True):
        if name.endswith(".zip"):
            raise OSError("storage unavailable")
        return real_save(field, name, content, save)

    monkeypatch.setattr(type(PrintBatch().zip_file), "save", save)

    batch = request(ledger_import, staff, django_capture_on_commit_callbacks)

    assert batch.status == PrintBatch.Status.FAILED
    assert batch.message.startswith("The print files could not be made.")
    assert not batch.csv_file and not batch.zip_file
    assert not any(path.is_file() for path in media.rglob("*"))


def test_progress_is_saved_as_the_build_goes_and_chunks_keep_the_order(
    make_slips, staff, django_capture_on_commit_callbacks, monkeypatch
):
    numbers = ["7", "3", "5", "1", "6", "2", "4"]
    ledger_import = committed_import(make_slips([(number, 1, 100, "") for number in numbers]))
    monkeypatch.setattr(print_batch, "PROGRESS_EVERY", 2)
    monkeypatch.setattr(print_batch, "ID_CHUNK", 3)
    monkeypatch.setattr(print_batch, "SLIP_CHUNK", 2)
    seen = []
    real_row = print_batch._csv_row

    def row(slip):
        # What a progress page would read while this slip is written.
        seen.append(PrintBatch.objects.values_list("slips_done", "slips_total").get())
        return real_row(slip)

    monkeypatch.setattr(print_batch, "_csv_row", row)

    batch = request(ledger_import, staff, django_capture_on_commit_callbacks)

    assert batch.status == PrintBatch.Status.READY
    assert [done for done, _total in seen] == [0, 0, 2, 2, 4, 4, 6]
    assert {total for _done, total in seen} == {7}
    assert [row[0] for row in read_csv(batch)[1:]] == sorted(numbers)
    assert batch.slips_done == 7


def test_a_batch_built_already_is_not_built_again(
    make_slips, staff, django_capture_on_commit_callbacks
):
    ledger_import = committed_import(make_slips([("1", 1, 100, "")]))
    batch = request(ledger_import, staff, django_capture_on_commit_callbacks)
    names = (batch.csv_file.name, batch.zip_file.name)

    build_print_batch(batch.pk)  # delivered a second time
    batch.refresh_from_db()
    assert (batch.csv_file.name, batch.zip_file.name) == names
    assert batch.status == PrintBatch.Status.READY
