"""What an import is and what it did, so staff can review it, confirm it and undo it.

* :class:`LedgerImport` — one uploaded workbook: its kind, the original file, who and when,
  where the background job stands (rows done, rows per second), the counts of the preview
  or the commit, and whether it was undone.
* :class:`ImportIssue` — one refused cell or row, with the sheet, row, column and value
  the user needs to find it and the reason in Japanese.
* :class:`ImportJournal` — what happened to the rows, a page at a time: in a preview the
  new and changed rows with their field-by-field differences; after a commit the ids it
  created and the values it replaced, which is what undo puts back.
* :class:`PrintBatch` — the print vendor's files for a committed slip ledger: a CSV with
  the barcode digits and a ZIP of the barcode and QR images, built in the background.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LedgerKind(models.TextChoices):
    SERVICES = "services", _("Services (収納対象一覧)")
    FACILITIES = "facilities", _("Facilities (施設一覧)")
    COLLECTIONS = "collections", _("Monthly collections (収納実績)")
    ASSESSMENTS = "assessments", _("Assessed amounts (調定額)")
    SLIPS = "slips", _("Payment slips (納付書)")


class LedgerImport(models.Model):
    """One uploaded ledger and everything that happened to it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be read")
        ANALYSING = "analysing", _("Reading and checking")
        PREVIEW = "preview", _("Ready for review")
        REJECTED = "rejected", _("File refused")
        COMMITTING = "committing", _("Importing")
        COMMITTED = "committed", _("Imported")
        FAILED = "failed", _("Failed, nothing imported")
        UNDONE = "undone", _("Undone")

    class Stage(models.TextChoices):
        READING = "reading", _("Reading the file")
        CHECKING = "checking", _("Checking rows")
        WRITING = "writing", _("Writing")
        DONE = "done", _("Done")

    kind = models.CharField(_("ledger kind"), max_length=20, choices=LedgerKind.choices)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("file size (bytes)"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="ledger_imports",
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, blank=True)
    message = models.TextField(_("message"), blank=True)
    sheet_name = models.CharField(_("sheet"), max_length=100, blank=True)
    rows_total = models.PositiveIntegerField(_("rows in the file"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_per_second = models.PositiveIntegerField(_("rows per second"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    new_count = models.PositiveIntegerField(_("new"), default=0)
    changed_count = models.PositiveIntegerField(_("changed"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    invalid_count = models.PositiveIntegerField(_("invalid"), default=0)
    skip_invalid = models.BooleanField(_("invalid rows skipped"), default=False)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    committed_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("ledger import")
        verbose_name_plural = _("ledger imports")

    def __str__(self):
        return f"{self.get_kind_display()} {self.original_name}"

    @property
    def is_running(self):
        return self.status in (
            self.Status.QUEUED,
            self.Status.ANALYSING,
            self.Status.COMMITTING,
        )


class ImportIssue(models.Model):
    """One reason a row was refused: where it is in the workbook and why, in Japanese."""

    ledger_import = models.ForeignKey(LedgerImport, on_delete=models.CASCADE, related_name="issues")
    sheet = models.CharField(_("sheet"), max_length=100)
    row = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=100, blank=True)
    value = models.TextField(_("value"), blank=True)
    message = models.TextField(_("reason"))

    class Meta:
        ordering = ["row", "pk"]
        indexes = [models.Index(fields=["ledger_import", "row"])]
        verbose_name = _("import issue")
        verbose_name_plural = _("import issues")

    def __str__(self):
        return f"{self.sheet}!{self.row} {self.column}: {self.message}"


class ImportJournal(models.Model):
    """A page of what an import does or did to one kind of row.

    ``phase`` tells a preview page (what *would* change) from the commit's record (what
    did, for undo). ``entries`` is a list of JSON objects: for a preview ``{"row", "key",
    "changes": {field: [before, after]}}``; for a commit ``{"pk", "before"}`` with
    ``before`` null for a record the import created.
    """

    class Phase(models.TextChoices):
        PREVIEW = "preview", _("Preview")
        COMMIT = "commit", _("Commit")

    class Outcome(models.TextChoices):
        NEW = "new", _("New")
        CHANGED = "changed", _("Changed")
        UNCHANGED = "unchanged", _("Unchanged")

    ledger_import = models.ForeignKey(
        LedgerImport, on_delete=models.CASCADE, related_name="journal"
    )
    phase = models.CharField(max_length=8, choices=Phase.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    page = models.PositiveIntegerField()
    entries = models.JSONField(default=list)

    class Meta:
        ordering = ["phase", "outcome", "page"]
        constraints = [
            models.UniqueConstraint(
                fields=["ledger_import", "phase", "outcome", "page"], name="one_journal_page"
            )
        ]

    def __str__(self):
        return f"{self.ledger_import_id} {self.phase}/{self.outcome} p{self.page}"


class PrintBatch(models.Model):
    """The print vendor's files for the slips of one committed import, built by a worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        BUILDING = "building", _("Building")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    ledger_import = models.ForeignKey(
        LedgerImport,
        verbose_name=_("ledger import"),
        on_delete=models.CASCADE,
        related_name="print_batches",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    slips_total = models.PositiveIntegerField(_("slips"), default=0)
    slips_done = models.PositiveIntegerField(_("slips done"), default=0)
    csv_file = models.FileField(_("CSV"), upload_to="print-batches/%Y/%m/", blank=True)
    zip_file = models.FileField(_("ZIP"), upload_to="print-batches/%Y/%m/", blank=True)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("print batch")
        verbose_name_plural = _("print batches")

    def __str__(self):
        return f"{self.ledger_import} #{self.pk}"
