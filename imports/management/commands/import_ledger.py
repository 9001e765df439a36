"""``manage.py import_ledger KIND FILE [--dry-run] [--skip-invalid] [--user NAME]``.

The same pipeline as the admin's upload, run in this process with a progress bar: the
file is kept with an import record (it shows in the admin's history), every refused row
is printed with its sheet, row, column, value and reason, and the exit status is not
zero when the file is refused or has invalid rows that were not skipped.
"""

import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from imports.kinds import KINDS
from imports.models import LedgerImport
from imports.services import (
    ledger_import_analyse,
    ledger_import_commit,
    ledger_import_create,
)

Status = LedgerImport.Status


class ProgressBar:
    """A one-line progress bar on stderr: rows done, total and rows per second."""

    WIDTH = 30

    def __init__(self, stream, label):
        self.stream, self.label = stream, label

    def __call__(self, done, total):
        filled = self.WIDTH * done // total if total else self.WIDTH
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done:,}/{total:,}")
        self.stream.flush()

    def finish(self, rows_per_second):
        self.stream.write(f"  {rows_per_second:,} " + _("rows/s") + "\n")


class Command(BaseCommand):
    help = "Import an Excel ledger (services, facilities, collections, assessments or slips)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check and preview only.")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="Import the valid rows, skip the rest."
        )
        parser.add_argument("--user", help="Import as this user, within their departments.")

    def handle(self, *args, kind, file, dry_run, skip_invalid, user, **options):
        translation.activate(settings.LANGUAGE_CODE)
        if not file.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": file})
        account = self._user(user)
        with file.open("rb") as handle:
            try:
                ledger_import = ledger_import_create(
                    kind=kind,
                    uploaded_file=File(handle, name=file.name),
                    user=account,
                    enqueue=False,
                    commit=not dry_run,
                    skip_invalid=skip_invalid,
                )
            except PermissionDenied as denied:
                raise CommandError(
                    _("%(user)s may not import this ledger.") % {"user": user}
                ) from denied
        if ledger_import.status == Status.QUEUED:
            bar = ProgressBar(self.stderr, _("Checking"))
            ledger_import = ledger_import_analyse(import_id=ledger_import.pk, progress=bar)
            bar.finish(ledger_import.rows_per_second)
        elif ledger_import.status == Status.COMMITTING:
            bar = ProgressBar(self.stderr, _("Importing"))
            ledger_import = ledger_import_commit(import_id=ledger_import.pk, progress=bar)
            bar.finish(ledger_import.rows_per_second)
        if ledger_import.status == Status.REJECTED:
            raise CommandError(
                _("The file was refused: %(reason)s") % {"reason": ledger_import.message}
            )
        if ledger_import.status == Status.FAILED:
            raise CommandError(ledger_import.message)
        self._report(ledger_import)
        if ledger_import.status == Status.PREVIEW:  # checked only, or refused for invalid rows
            if ledger_import.message:
                self.stderr.write(ledger_import.message)
            if ledger_import.invalid_count:
                sys.exit(1)
            return
        self.stdout.write(
            _(
                "Imported (import #%(id)s): %(new)s new, %(changed)s changed, "
                "%(unchanged)s unchanged."
            )
            % {
                "id": ledger_import.pk,
                "new": f"{ledger_import.new_count:,}",
                "changed": f"{ledger_import.changed_count:,}",
                "unchanged": f"{ledger_import.unchanged_count:,}",
            }
        )

    def _user(self, username):
        if not username:
            return None
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as missing:
            raise CommandError(_("No user is called %(name)s.") % {"name": username}) from missing

    def _report(self, ledger_import):
        self.stdout.write(
            _(
                "%(sheet)s: %(new)s new, %(changed)s changed, %(unchanged)s unchanged, "
                "%(invalid)s invalid."
            )
            % {
                "sheet": ledger_import.sheet_name,
                "new": f"{ledger_import.new_count:,}",
                "changed": f"{ledger_import.changed_count:,}",
                "unchanged": f"{ledger_import.unchanged_count:,}",
                "invalid": f"{ledger_import.invalid_count:,}",
            }
        )
        for issue in ledger_import.issues.iterator():
            self.stderr.write(
                _("%(sheet)s row %(row)s, %(column)s「%(value)s」: %(message)s")
                % {
                    "sheet": issue.sheet,
                    "row": issue.row,
                    "column": issue.column,
                    "value": issue.value,
                    "message": issue.message,
                }
            )
