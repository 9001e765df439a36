"""The three ways of importing the ledger, each run in a child process of its own (see
:mod:`importbench.child`). Each returns ``{"phases": {name: seconds}, ...}``; the child times
the whole call. Django is set up before these run."""

import datetime as dt
import re
import time
from pathlib import Path

from apibench.errors import BenchError

# The floor reads 令和 dates with the least code that works, nothing more.
_REIWA = re.compile(r"令和(\d+)年(\d+)月(\d+)日")


def ours(path, *, progress=None):
    """(a) The project's import, end to end, making the calls ``manage.py import_ledger
    slips FILE`` makes (no ``--dry-run``, no ``--user``: every department): keep the
    upload, then commit, which checks every row and writes the valid ones in one
    transaction."""
    from django.core.files import File
    from django.utils import translation

    from imports.models import LedgerImport
    from imports.services import ledger_import_commit, ledger_import_create

    status = LedgerImport.Status
    translation.activate("ja")  # as the command does
    last_progress = []

    def commit_progress(done, total):  # the command passes its progress bar here
        last_progress[:] = [time.perf_counter()]
        if progress:
            progress(done, total)

    started = time.perf_counter()
    with Path(path).open("rb") as handle:
        ledger_import = ledger_import_create(
            kind="slips",
            uploaded_file=File(handle, name=Path(path).name),
            user=None,
            enqueue=False,
            commit=True,
        )
    kept = time.perf_counter()
    ledger_import = ledger_import_commit(import_id=ledger_import.pk, progress=commit_progress)
    committed = time.perf_counter()
    if ledger_import.status != status.COMMITTED:
        issues = [
            f"row {issue.row} {issue.column} {issue.value!r}: {issue.message}"
            for issue in ledger_import.issues.all()[:5]
        ]
        raise BenchError(
            f"The import ended {ledger_import.status}: {ledger_import.message} " + "; ".join(issues)
        )
    checked = last_progress[0] if last_progress else kept
    return {
        "phases": {
            "keep the upload": kept - started,
            "read and check": checked - kept,
            "write": committed - checked,
        },
        "new": ledger_import.new_count,
        "changed": ledger_import.changed_count,
        "unchanged": ledger_import.unchanged_count,
    }


def floor(path):
    """(c) The floor: calamine's raw read of the sheet, PaymentSlip objects built from the
    cells with the least conversion the columns need, ``bulk_create`` in batches of 1,000
    in one transaction. No normalisation, no checks, no barcode."""
    from django.db import transaction
    from python_calamine import CalamineWorkbook

    from catalog.models import Service
    from channels.models import PaymentSlip

    started = time.perf_counter()
    with CalamineWorkbook.from_path(str(path)) as workbook:
        cells = workbook.get_sheet_by_index(0).to_python()
    read = time.perf_counter()
    service_ids = dict(Service.objects.values_list("code", "pk"))

    def number(value):
        return int(value) if type(value) is float else int(re.sub(r"\D", "", value))

    def day(value):
        if type(value) is dt.date:
            return value
        if type(value) is dt.datetime:
            return value.date()
        era, month, day_ = _REIWA.fullmatch(value).groups()
        return dt.date(2018 + int(era), int(month), int(day_))

    def text(value):
        return str(int(value)) if type(value) is float else value

    with transaction.atomic():
        batch = []
        for slip, service, payer, amount, due, reissue, confirmation, el_qr in cells[1:]:
            batch.append(
                PaymentSlip(
                    slip_number=slip,
                    service_id=service_ids[service],
                    payer_number=text(payer),
                    amount=number(amount),
                    due_date=day(due),
                    reissue_count=int(reissue) if reissue != "" else 0,
                    confirmation_number=confirmation,
                    el_qr=el_qr,
                )
            )
            if len(batch) == 1000:
                PaymentSlip.objects.bulk_create(batch, batch_size=1000)
                batch = []
        PaymentSlip.objects.bulk_create(batch, batch_size=1000)
    written = time.perf_counter()
    return {"phases": {"read": read - started, "build + bulk_create": written - read}}


def usual(path):
    """(b) django-import-export's default ModelResource, as an integrator writes it: the
    sheet loaded with tablib, the Japanese headers renamed to field names (the service
    column kept, read by a ForeignKeyWidget on the service code), then ``import_data``
    with its defaults (one transaction, a lookup by 納付番号 and a save per row)."""
    import tablib
    from import_export import fields, resources
    from import_export.widgets import ForeignKeyWidget

    from catalog.models import Service
    from channels.models import PaymentSlip

    class SlipResource(resources.ModelResource):
        service = fields.Field(
            attribute="service",
            column_name="サービスコード",
            widget=ForeignKeyWidget(Service, "code"),
        )

        class Meta:
            model = PaymentSlip
            import_id_fields = ["slip_number"]
            fields = [
                "slip_number",
                "service",
                "payer_number",
                "amount",
                "due_date",
                "reissue_count",
                "confirmation_number",
                "el_qr",
            ]

    renamed = {
        "納付番号": "slip_number",
        "納付者番号": "payer_number",
        "金額": "amount",
        "納期限": "due_date",
        "再発行回数": "reissue_count",
        "確認番号": "confirmation_number",
        "eL-QR": "el_qr",
    }
    started = time.perf_counter()
    with Path(path).open("rb") as handle:
        dataset = tablib.Dataset().load(handle, format="xlsx")
    dataset.headers = [renamed.get(header, header) for header in dataset.headers]
    loaded = time.perf_counter()
    result = SlipResource().import_data(dataset, dry_run=False, raise_errors=True)
    imported = time.perf_counter()
    if result.has_errors() or result.has_validation_errors():
        raise BenchError("django-import-export reported errors")
    return {
        "phases": {"tablib load": loaded - started, "import_data": imported - loaded},
        "new": result.totals.get("new", 0),
    }


VARIANTS = {"ours": ours, "floor": floor, "usual": usual}
