"""The print vendor's files for a committed payment slip ledger (納付書の印刷データ).

Staff ask for them with :func:`print_batch_request`; a background worker builds them with
:func:`print_batch_build` (through :func:`imports.tasks.build_print_batch`):

* a CSV, one line per slip in slip-number order, with the values printed on the slip, the
  44 barcode digits (or why there are none) and the eL-QR string; UTF-8 with a BOM and
  CRLF line ends, which is what Excel and the vendors' Windows tools read without asking;
* a ZIP of images: ``barcode/<slip number>.png`` and ``el-qr/<slip number>.png`` for the
  slips that carry them.

A ledger of 100,000 slips makes files of hundreds of megabytes, so both are written to
temporary files and streamed into storage, never held in memory; the progress page reads
``slips_done``, which moves every 100 slips.
"""

import csv
import logging
import tempfile
import zipfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_q.tasks import async_task

from channels.models import PaymentSlip
from channels.slip_codes import slip_assets
from imports.models import ImportJournal, LedgerImport, LedgerKind, PrintBatch

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 100
ID_CHUNK = 2000  # ids per query: below every database's limit on query parameters
SLIP_CHUNK = 500  # slips fetched at once while writing
# The vendor's file layout, agreed with the print vendor in Japanese: it is a file format,
# not screen text, so it stays the same whatever language the admin is shown in.
CSV_HEADER = [
    "納付番号",
    "サービスコード",
    "サービス名",
    "納付者番号",
    "金額",
    "納期限",
    "再発行回数",
    "確認番号",
    "バーコード",
    "バーコードなしの理由",
    "eL-QR",
]


def print_batch_request(*, ledger_import: LedgerImport, user) -> PrintBatch:
    """Ask for the print files of a committed slip ledger; a worker builds them.

    Refused (ValidationError) for another kind of ledger, and for an import that is not
    committed (still in preview, failed, or undone): its slips are not, or no longer, what
    the ledger says. ``user`` is who asked (None for the system).
    """
    if ledger_import.kind != LedgerKind.SLIPS:
        raise ValidationError(
            _("Print files are made for payment slip ledgers only."), code="not_slips"
        )
    with transaction.atomic():
        # Locked, so an undo cannot slip in between this check and the request.
        status = (
            LedgerImport.objects.select_for_update()
            .filter(pk=ledger_import.pk)
            .values_list("status", flat=True)
            .first()
        )
        if status != LedgerImport.Status.COMMITTED:
            raise ValidationError(
                _("Print files are made for imported ledgers only; this one is: %(status)s.")
                % {"status": LedgerImport.Status(status or ledger_import.status).label},
                code="not_committed",
            )
        batch = PrintBatch(ledger_import=ledger_import, created_by=user)
        batch.full_clean(exclude=["created_by"])
        batch.save()
        transaction.on_commit(lambda: async_task("imports.tasks.build_print_batch", batch.pk))
    return batch


def print_batch_build(*, batch_id: int) -> PrintBatch:
    """Build the CSV and the ZIP of one batch and attach them: READY, or FAILED with a
    message and no files at all (never a CSV without its images)."""
    batch = PrintBatch.objects.select_related("ledger_import").get(pk=batch_id)
    if batch.status == PrintBatch.Status.READY:
        return batch  # a task delivered twice builds once
    batch.status, batch.slips_done, batch.message = PrintBatch.Status.BUILDING, 0, ""
    batch.save(update_fields=["status", "slips_done", "message"])
    where = {}
    try:
        with tempfile.TemporaryDirectory(prefix="print-batch-") as folder:
            _build(batch, Path(folder), where)
    except Exception:
        logger.exception("Print batch %s failed at slip %s", batch.pk, where.get("slip"))
        for field in (batch.csv_file, batch.zip_file):
            if field:
                field.delete(save=False)
        batch.status = PrintBatch.Status.FAILED
        batch.message = _failure_message(where.get("slip"))
        batch.save(update_fields=["status", "message", "csv_file", "zip_file"])
        return batch
    batch.status, batch.slips_done = PrintBatch.Status.READY, batch.slips_total
    batch.save(update_fields=["status", "slips_done", "slips_total", "csv_file", "zip_file"])
    return batch


def _failure_message(slip_number):
    if slip_number is None:
        return gettext(
            "The print files could not be made. Ask again; if it fails again, tell the "
            "system administrator."
        )
    return gettext(
        "The print files could not be made: it stopped at slip %(slip)s. Check that slip, "
        "then ask again; if it fails again, tell the system administrator."
    ) % {"slip": slip_number}


def _build(batch, folder, where):
    slip_ids = _slip_ids(batch.ledger_import)
    batch.slips_total = len(slip_ids)
    PrintBatch.objects.filter(pk=batch.pk).update(slips_total=batch.slips_total)
    csv_path, zip_path = folder / "slips.csv", folder / "slips.zip"
    done = 0
    with (
        open(csv_path, "w", encoding="utf-8-sig", newline="") as csv_out,
        zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as zip_out,
    ):
        writer = csv.writer(csv_out, lineterminator="\r\n")
        writer.writerow(CSV_HEADER)
        for slip in _slips_in_order(slip_ids):
            where["slip"] = slip.slip_number
            writer.writerow(_csv_row(slip))
            for name, asset in slip_assets(slip).items():
                zip_out.writestr(f"{name}/{slip.slip_number}.png", asset.render("png"))
            done += 1
            if done % PROGRESS_EVERY == 0:
                PrintBatch.objects.filter(pk=batch.pk).update(slips_done=done)
    where.pop("slip", None)
    # Slips deleted since the commit are not printed: the total is what was written.
    batch.slips_total = done
    stem = f"slips-{batch.ledger_import_id}-{batch.pk}"
    for field, path, suffix in (
        (batch.csv_file, csv_path, "csv"),
        (batch.zip_file, zip_path, "zip"),
    ):
        with open(path, "rb") as handle:
            field.save(f"{stem}.{suffix}", File(handle), save=False)


def _csv_row(slip):
    return [
        slip.slip_number,
        slip.service.code,
        slip.service.name,
        slip.payer_number,
        slip.amount,
        slip.due_date.isoformat(),
        slip.reissue_count,
        slip.confirmation_number,
        slip.barcode_data,
        slip.barcode_note,
        slip.el_qr,
    ]


def _slip_ids(ledger_import):
    """The ids of every slip the import's commit created, changed or left as it was."""
    ids = set()
    pages = ImportJournal.objects.filter(
        ledger_import=ledger_import, phase=ImportJournal.Phase.COMMIT
    ).values_list("entries", flat=True)
    for entries in pages.iterator(chunk_size=20):
        ids.update(entry["pk"] for entry in entries)
    return sorted(ids)


def _slips_in_order(slip_ids):
    """The slips of ``slip_ids`` that still exist, in slip-number order, a chunk at a time:
    no query carries more ids than a database takes, and no more than a chunk of slips is
    in memory at once."""
    numbered = []
    for start in range(0, len(slip_ids), ID_CHUNK):
        chunk = slip_ids[start : start + ID_CHUNK]
        numbered += PaymentSlip.objects.filter(pk__in=chunk).values_list("slip_number", "pk")
    ordered = [pk for _number, pk in sorted(numbered)]
    for start in range(0, len(ordered), SLIP_CHUNK):
        chunk = ordered[start : start + SLIP_CHUNK]
        slips = PaymentSlip.objects.select_related("service").in_bulk(chunk)
        for pk in chunk:
            if pk in slips:  # deleted meanwhile
                yield slips[pk]
