"""Background work for imports, run by django-q2 workers: each task takes ids, re-fetches
and calls one service, so the admin, a worker and a test run the same code."""

from imports.print_batch import print_batch_build
from imports.services import ledger_import_analyse, ledger_import_commit


def analyse_import(import_id):
    """Read and check an uploaded ledger and store its preview (queued on upload)."""
    ledger_import_analyse(import_id=import_id)


def commit_import(import_id):
    """Write a confirmed ledger in one transaction (queued on confirm)."""
    ledger_import_commit(import_id=import_id)


def build_print_batch(batch_id):
    """Build the print vendor's CSV and ZIP of one :class:`~imports.models.PrintBatch`
    (queued by :func:`imports.print_batch.print_batch_request`)."""
    print_batch_build(batch_id=batch_id)
