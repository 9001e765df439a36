"""Writes of the import pipeline: upload, check, confirm, commit, undo.

The admin, the command line and the background tasks all call these, so every front end
behaves the same. The long steps (:func:`ledger_import_analyse`,
:func:`ledger_import_commit`) run in a django-q2 worker and report progress on the
:class:`~imports.models.LedgerImport` row as they go; the commit writes inside one
transaction, so either every valid row lands or none does.
"""

import gc
import logging
import time
from contextlib import contextmanager
from itertools import islice

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from catalog.permissions import department_ids_for, sees_all_departments
from imports.engine import Analysis, WriteRefused, from_json, write
from imports.kinds import KINDS, kind_for
from imports.models import ImportIssue, ImportJournal, LedgerImport, LedgerKind
from imports.reader import Limits, RefusedFile, check_size
from imports.spool import Spool
from imports.storage import local_path

logger = logging.getLogger(__name__)

PREVIEW_PAGE_SIZE = 100
NEW_ROWS_PREVIEWED = 1000  # new rows beyond these are counted, not listed
COMMIT_PAGE_SIZE = 1000
UNDO_CONFLICTS_LISTED = 10

Status = LedgerImport.Status
Stage = LedgerImport.Stage
Outcome = ImportJournal.Outcome


def importable_kinds(user):
    """The ledger kinds ``user`` may import (the model permissions of each kind)."""
    return [kind for kind in KINDS.values() if user.has_perms(kind.permissions)]


def importable_kind_choices(user):
    """``[(code, label)]`` of the kinds ``user`` may import, as the screens offer them."""
    labels = dict(LedgerKind.choices)
    return [(kind.code, labels[kind.code]) for kind in importable_kinds(user)]


def may_import(user, kind_code):
    return user is None or user.has_perms(kind_for(kind_code).permissions)


def ledger_import_create(
    *, kind: str, uploaded_file, user, enqueue=True, commit=False, skip_invalid=False
) -> LedgerImport:
    """Keep an uploaded ledger and queue its check (``enqueue=False``: the caller runs the
    step itself, as the command line does).

    ``commit=True`` goes straight to the commit, which checks the file as it writes: the
    command line without ``--dry-run``, where nobody reviews a preview in between.

    An empty file or one over the size limit is recorded as refused and not kept; anything
    else is kept with the import record, whatever it turns out to be, so staff can see
    what they sent.
    """
    if not may_import(user, kind):
        raise PermissionDenied
    ledger_import = LedgerImport(
        kind=kind,
        original_name=uploaded_file.name[:255],
        file_size=uploaded_file.size,
        created_by=user,
    )
    try:
        check_size(uploaded_file.size, Limits.from_settings())
    except RefusedFile as refused:
        ledger_import.status = Status.REJECTED
        ledger_import.message = str(refused.message)
        ledger_import.save()
        return ledger_import
    ledger_import.file.save(uploaded_file.name, uploaded_file, save=False)
    if commit:
        ledger_import.status = Status.COMMITTING
        ledger_import.committed_by = user
        ledger_import.skip_invalid = skip_invalid
    ledger_import.save()
    task = "imports.tasks.commit_import" if commit else "imports.tasks.analyse_import"
    if enqueue:
        transaction.on_commit(lambda: async_task(task, ledger_import.pk))
    return ledger_import


def _scope(user):
    if user is None:  # the command line: a trusted operator
        return True, frozenset()
    return sees_all_departments(user), department_ids_for(user)


@contextmanager
def _frozen_gc():
    """Keep the garbage collector off the objects that exist before an import.

    A long import allocates millions of small objects, and every full collection would
    walk Django's and Wagtail's ~160,000 long-lived objects as well: a third of the time
    of a 100,000-row import. Frozen objects are skipped; new garbage is still collected.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class _Pages:
    """Collects entries into journal pages of a fixed size and saves each when full."""

    def __init__(self, ledger_import, phase, outcome, size):
        self.ledger_import, self.phase, self.outcome = ledger_import, phase, outcome
        self.size = size
        self.entries, self.page = [], 0

    def add(self, entries):
        for entry in entries:
            self.entries.append(entry)
            if len(self.entries) == self.size:
                self.flush()

    def flush(self):
        if self.entries:
            self.page += 1
            ImportJournal.objects.create(
                ledger_import=self.ledger_import,
                phase=self.phase,
                outcome=self.outcome,
                page=self.page,
                entries=self.entries,
            )
            self.entries = []


def _progress(ledger_import, *, done, started, stage=None):
    elapsed = max(time.monotonic() - started, 1e-6)
    fields = {"rows_done": done, "rows_per_second": int(done / elapsed)}
    if stage:
        fields["stage"] = stage
    _record(ledger_import, **fields)


def _record(ledger_import, **fields):
    """Write ``fields`` to the import's row at once (the progress page reads them while
    the job runs) and onto the instance in hand."""
    LedgerImport.objects.filter(pk=ledger_import.pk).update(**fields)
    for name, value in fields.items():
        setattr(ledger_import, name, value)


def _analyse(ledger_import, path, user, *, spool=None, progress=None):
    """Check every row, store the issues and the preview; returns the Analysis."""
    all_departments, department_ids = _scope(user)
    analysis = Analysis(
        kind_for(ledger_import.kind),
        path,
        user=user,
        all_departments=all_departments,
        department_ids=department_ids,
        new_described=NEW_ROWS_PREVIEWED,
    )
    ledger_import.issues.all().delete()
    ledger_import.journal.all().delete()
    _record(
        ledger_import,
        sheet_name=analysis.sheet.name,
        rows_total=analysis.rows_total,
        rows_done=0,
        stage=Stage.CHECKING,
    )
    preview = ImportJournal.Phase.PREVIEW
    new_pages = _Pages(ledger_import, preview, Outcome.NEW, PREVIEW_PAGE_SIZE)
    changed_pages = _Pages(ledger_import, preview, Outcome.CHANGED, PREVIEW_PAGE_SIZE)
    counts = {"new_count": 0, "changed_count": 0, "unchanged_count": 0, "invalid_count": 0}
    started, done = time.monotonic(), 0
    for chunk in analysis.chunks():
        ImportIssue.objects.bulk_create(
            ImportIssue(
                ledger_import=ledger_import,
                sheet=analysis.sheet.name,
                row=issue.row,
                column=issue.column,
                value=issue.value[:1000],
                message=issue.message,
            )
            for issue in chunk.issues
        )
        new_pages.add({"row": c.row, "key": c.key, "changes": c.changes} for c in chunk.new)
        changed_pages.add({"row": c.row, "key": c.key, "changes": c.changes} for c in chunk.changed)
        counts["new_count"] += chunk.new_count
        counts["changed_count"] += len(chunk.changed)
        counts["unchanged_count"] += chunk.unchanged
        counts["invalid_count"] += chunk.invalid
        if spool is not None and chunk.valid_rows:
            spool.append(chunk.valid_rows)
        done += chunk.rows_done
        _progress(ledger_import, done=done, started=started)
        if progress:
            progress(done, analysis.rows_total)
    new_pages.flush()
    changed_pages.flush()
    _record(ledger_import, **counts)
    return analysis


def _finish(ledger_import, status, message=""):
    _record(
        ledger_import,
        status=status,
        message=message,
        finished_at=timezone.now(),
        stage=Stage.DONE,
    )


def ledger_import_analyse(*, import_id: int, progress=None) -> LedgerImport:
    """Read and check an uploaded ledger and store its preview; writes no record.

    Ends in ``preview`` (ready for review), or ``rejected`` with the reason when the file
    itself is refused (not an xlsx, too big, no matching sheet…).
    """
    ledger_import = LedgerImport.objects.get(pk=import_id)
    # ANALYSING too: a worker that died half way gets the task again after ``retry``.
    if ledger_import.status not in (Status.QUEUED, Status.ANALYSING):
        return ledger_import
    LedgerImport.objects.filter(pk=import_id).update(
        status=Status.ANALYSING, stage=Stage.READING, started_at=timezone.now()
    )
    try:
        with local_path(ledger_import.file) as path, _frozen_gc():
            _analyse(ledger_import, path, ledger_import.created_by, progress=progress)
    except RefusedFile as refused:
        _finish(ledger_import, Status.REJECTED, str(refused.message))
    except Exception:
        logger.exception("Checking ledger import %s failed", import_id)
        _finish(
            ledger_import, Status.FAILED, _("The file could not be checked. Nothing was imported.")
        )
    else:
        _finish(ledger_import, Status.PREVIEW)
    return ledger_import


def _invalid_rows_message(ledger_import):
    return _(
        "%(count)s rows are invalid. Correct the file and upload it again, or choose "
        "to import the valid rows and skip the invalid ones."
    ) % {"count": f"{ledger_import.invalid_count:,}"}


def ledger_import_confirm(
    *, ledger_import: LedgerImport, user, skip_invalid: bool = False, enqueue=True
):
    """Queue the commit of a reviewed import (``enqueue=False``: the caller runs
    :func:`ledger_import_commit` itself).

    Refused when the import is not ready for review (which also stops a double submit),
    or when it has invalid rows and the user did not choose to skip them.
    """
    if not may_import(user, ledger_import.kind):
        raise PermissionDenied
    if ledger_import.invalid_count and not skip_invalid:
        raise ValidationError(_invalid_rows_message(ledger_import))
    claimed = LedgerImport.objects.filter(pk=ledger_import.pk, status=Status.PREVIEW).update(
        status=Status.COMMITTING,
        stage=Stage.READING,
        rows_done=0,
        committed_by=user,
        skip_invalid=skip_invalid,
        message="",
    )
    if not claimed:
        raise ValidationError(_("This import is not waiting for confirmation any more."))
    if enqueue:
        transaction.on_commit(lambda: async_task("imports.tasks.commit_import", ledger_import.pk))
    ledger_import.refresh_from_db()
    return ledger_import


def ledger_import_commit(*, import_id: int, progress=None) -> LedgerImport:
    """Check the ledger again and write every valid row in one transaction.

    The check runs again because records may have changed since the preview; if rows are
    invalid and the user did not choose to skip them, nothing is written and the import
    goes back to review with the errors.
    """
    ledger_import = LedgerImport.objects.get(pk=import_id)
    if ledger_import.status != Status.COMMITTING:
        return ledger_import
    user = ledger_import.committed_by
    spool = Spool()
    try:
        with local_path(ledger_import.file) as path, _frozen_gc():
            analysis = _analyse(ledger_import, path, user, spool=spool, progress=progress)
            if ledger_import.invalid_count and not ledger_import.skip_invalid:
                _finish(ledger_import, Status.PREVIEW, _invalid_rows_message(ledger_import))
                return ledger_import
            _progress(ledger_import, done=0, started=time.monotonic(), stage=Stage.WRITING)
            _write(ledger_import, analysis, spool)
    except RefusedFile as refused:
        _finish(ledger_import, Status.REJECTED, str(refused.message))
    except WriteRefused as refused:
        _finish(
            ledger_import,
            Status.FAILED,
            _("Nothing was imported: %(reason)s") % {"reason": refused.message},
        )
    except Exception:
        logger.exception("Committing ledger import %s failed", import_id)
        _finish(ledger_import, Status.FAILED, _("The import failed and nothing was imported."))
    else:
        ledger_import.refresh_from_db()
    finally:
        spool.close()
    return ledger_import


def _write(ledger_import, analysis, spool):
    """Write every spooled chunk and the undo journal in one transaction; the import is
    marked imported inside it, so that status and the records land together or not at
    all."""
    commit = ImportJournal.Phase.COMMIT
    with transaction.atomic():
        pages = {
            outcome: _Pages(ledger_import, commit, outcome, COMMIT_PAGE_SIZE) for outcome in Outcome
        }
        stamp = timezone.now()
        counts = {"new_count": 0, "changed_count": 0, "unchanged_count": 0}
        for valid_rows in spool:
            result = write(analysis, valid_rows, stamp=stamp)
            pages[Outcome.NEW].add({"pk": pk} for pk in result.created)
            pages[Outcome.CHANGED].add(
                {"pk": pk, "before": before} for pk, before in result.changed
            )
            pages[Outcome.UNCHANGED].add({"pk": pk} for pk in result.unchanged)
            counts["new_count"] += len(result.created)
            counts["changed_count"] += len(result.changed)
            counts["unchanged_count"] += len(result.unchanged)
        for page in pages.values():
            page.flush()
        LedgerImport.objects.filter(pk=ledger_import.pk).update(
            status=Status.COMMITTED,
            stage=Stage.DONE,
            committed_at=timezone.now(),
            finished_at=timezone.now(),
            **counts,
        )


def commit_journal(ledger_import):
    """``(created pks, [(pk, before)], unchanged pks)`` from a committed import's journal."""
    created, changed, unchanged = [], [], []
    pages = ledger_import.journal.filter(phase=ImportJournal.Phase.COMMIT)
    for page in pages.iterator():
        if page.outcome == Outcome.NEW:
            created.extend(entry["pk"] for entry in page.entries)
        elif page.outcome == Outcome.CHANGED:
            changed.extend((entry["pk"], entry["before"]) for entry in page.entries)
        else:
            unchanged.extend(entry["pk"] for entry in page.entries)
    return created, changed, unchanged


def _chunks(items, size=1000):
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def may_undo(user, ledger_import):
    """Who may undo: whoever imported it, or staff who work across departments, as long
    as they may import the kind at all."""
    return (
        ledger_import.status == Status.COMMITTED
        and may_import(user, ledger_import.kind)
        and (ledger_import.committed_by_id == user.pk or sees_all_departments(user))
    )


def ledger_import_undo(*, ledger_import: LedgerImport, user) -> LedgerImport:
    """Put back every record the import created or changed, all or nothing.

    Refused, naming the records, when any of them was changed (or deleted) since the
    import: undoing would throw that later work away.
    """
    if not may_undo(user, ledger_import):
        raise PermissionDenied
    kind = kind_for(ledger_import.kind)
    created, changed, _unchanged = commit_journal(ledger_import)
    with transaction.atomic():
        locked = LedgerImport.objects.select_for_update().get(pk=ledger_import.pk)
        if locked.status != Status.COMMITTED:
            raise ValidationError(_("This import has already been undone."))
        touched = created + [pk for pk, _before in changed]
        conflicts = []
        for pks in _chunks(touched):
            conflicts.extend(kind.changed_since(pks, ledger_import.committed_at))
        if conflicts:
            labels = kind.labels_of(conflicts[:UNDO_CONFLICTS_LISTED])
            names = "、".join(
                labels.get(pk, _("(deleted)")) for pk in conflicts[:UNDO_CONFLICTS_LISTED]
            )
            more = len(conflicts) - UNDO_CONFLICTS_LISTED
            message = _(
                "It cannot be undone: %(count)s records were changed or deleted after the "
                "import (%(names)s)."
            ) % {"count": f"{len(conflicts):,}", "names": names}
            if more > 0:
                message += " " + _("and %(more)s more") % {"more": f"{more:,}"}
            raise ValidationError(message)
        ctx = kind.context(user, True, frozenset())
        stamp = timezone.now()
        try:
            for pks in _chunks(created):
                kind.remove(pks, ctx)
        except ProtectedError as error:
            used = ", ".join(sorted({str(obj) for obj in list(error.protected_objects)[:5]}))
            raise ValidationError(
                _("It cannot be undone: records it created are now in use (%(used)s).")
                % {"used": used}
            ) from error
        for items in _chunks(changed):
            kind.restore([(pk, from_json(kind, before)) for pk, before in items], ctx, stamp)
        LedgerImport.objects.filter(pk=ledger_import.pk).update(
            status=Status.UNDONE, undone_by=user, undone_at=timezone.now()
        )
    ledger_import.refresh_from_db()
    return ledger_import
