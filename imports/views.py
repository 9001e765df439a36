"""Admin screens of the import pipeline: history, upload, the live check, the preview,
confirm, undo, templates and downloads. Thin: each calls one service or selector."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import FormView, TemplateView
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn, UserColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from catalog.exports import SafeSpreadsheetExportMixin
from imports.error_workbook import error_workbook_response
from imports.exports import issues_csv_response
from imports.forms import ConfirmForm, UploadForm
from imports.kinds import KINDS
from imports.models import ImportJournal, LedgerImport
from imports.print_batch import print_batch_request
from imports.selectors import imports_visible_to, preview_page, scoped_import
from imports.services import (
    importable_kind_choices,
    importable_kinds,
    ledger_import_confirm,
    ledger_import_create,
    ledger_import_undo,
    may_import,
    may_undo,
)
from imports.template_book import template_response

ISSUES_PER_PAGE = 100


class ImportIndexView(SafeSpreadsheetExportMixin, generic.IndexView):
    """The import history: who imported what, when, and how it ended."""

    add_item_label = _("Import a ledger")

    def get_base_queryset(self):
        return imports_visible_to(self.request.user)

    def get_edit_url(self, instance):
        return reverse("ledger_imports:detail", args=[instance.pk])

    @cached_property
    def columns(self):
        return [
            TitleColumn("original_name", label=_("File"), get_url=self.get_edit_url),
            Column("kind", label=_("Ledger kind"), accessor="get_kind_display"),
            Column("status", label=_("Status"), accessor="get_status_display"),
            UserColumn("created_by", label=_("Uploaded by")),
            DateColumn("created_at", label=_("Uploaded at")),
            Column("new_count", label=_("New")),
            Column("changed_count", label=_("Changed")),
            Column("unchanged_count", label=_("Unchanged")),
            Column("invalid_count", label=_("Invalid")),
        ]


class UploadView(WagtailAdminTemplateMixin, FormView):
    """Choose the ledger kind, download its template, upload the workbook."""

    template_name = "imports/upload.html"
    page_title = _("Import a ledger")
    form_class = UploadForm
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        if not importable_kinds(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, *_history_crumb(), {"url": "", "label": self.page_title}]

    def form_valid(self, form):
        ledger_import = ledger_import_create(
            kind=form.cleaned_data["kind"],
            uploaded_file=form.cleaned_data["file"],
            user=self.request.user,
        )
        return redirect("ledger_imports:detail", ledger_import.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["templates"] = [
            {"label": label, "url": reverse("ledger_imports:template", args=[code])}
            for code, label in importable_kind_choices(self.request.user)
        ]
        return context


def _page_number(request, name):
    try:
        return max(int(request.GET.get(name, 1)), 1)
    except ValueError:
        return 1


def _grid(entries):
    """New rows as a table like the sheet: a column per ledger column any of them has."""
    headers = list(dict.fromkeys(header for entry in entries for header in entry["changes"]))
    rows = [
        [entry["row"]] + [entry["changes"].get(header, ["", ""])[1] for header in headers]
        for entry in entries
    ]
    return {"headers": headers, "rows": rows}


def _history_crumb():
    return [{"url": reverse("ledger_imports:index"), "label": _("Ledger imports")}]


class DetailView(WagtailAdminTemplateMixin, TemplateView):
    """Where an import stands: progress while it runs, then the preview or the result."""

    template_name = "imports/detail.html"
    header_icon = "upload"

    def get(self, request, pk):
        self.ledger_import = scoped_import(request.user, pk)
        return super().get(request, pk)

    def get_page_title(self):
        return self.ledger_import.original_name

    def get_page_subtitle(self):
        return self.ledger_import.get_kind_display()

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            *_history_crumb(),
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        request, ledger_import = self.request, self.ledger_import
        issues = Paginator(ledger_import.issues.all(), ISSUES_PER_PAGE).get_page(
            request.GET.get("issues_page")
        )
        Outcome = ImportJournal.Outcome
        outcome = request.GET.get("rows")
        if outcome not in (Outcome.NEW, Outcome.CHANGED):
            outcome = Outcome.CHANGED if ledger_import.changed_count else Outcome.NEW
        page = _page_number(request, "rows_page")
        entries, pages = preview_page(ledger_import, outcome, page)
        new_grid = _grid(entries) if outcome == Outcome.NEW and entries else None
        kind = KINDS[ledger_import.kind]
        return super().get_context_data(
            ledger_import=ledger_import,
            issues=issues,
            rows_outcome=outcome,
            entries=entries,
            new_grid=new_grid,
            rows_page=page,
            rows_pages=pages,
            confirm_form=ConfirmForm(),
            may_confirm=ledger_import.status == LedgerImport.Status.PREVIEW
            and may_import(request.user, ledger_import.kind),
            may_undo=may_undo(request.user, ledger_import),
            is_slips=ledger_import.kind == "slips",
            key_header=" / ".join(kind.column(key).header for key in kind.key_columns),
            print_batches=ledger_import.print_batches.all(),
            **kwargs,
        )


@require_GET
def progress(request, pk):
    """The job's progress as JSON, which the detail page polls while the job runs."""
    ledger_import = scoped_import(request.user, pk)
    total = ledger_import.rows_total
    return JsonResponse(
        {
            "status": ledger_import.status,
            "status_label": ledger_import.get_status_display(),
            "stage": ledger_import.stage,
            "stage_label": ledger_import.get_stage_display() if ledger_import.stage else "",
            "running": ledger_import.is_running,
            "rows_done": ledger_import.rows_done,
            "rows_total": total,
            "rows_per_second": ledger_import.rows_per_second,
            "percent": min(100, 100 * ledger_import.rows_done // total) if total else 0,
        }
    )


@require_POST
def confirm(request, pk):
    ledger_import = scoped_import(request.user, pk)
    form = ConfirmForm(request.POST)
    form.is_valid()
    try:
        ledger_import_confirm(
            ledger_import=ledger_import,
            user=request.user,
            skip_invalid=form.cleaned_data.get("skip_invalid", False),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("ledger_imports:detail", pk)


@require_POST
def undo(request, pk):
    ledger_import = scoped_import(request.user, pk)
    try:
        ledger_import_undo(ledger_import=ledger_import, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The import was undone."))
    return redirect("ledger_imports:detail", pk)


@require_GET
def template(request, kind):
    if kind not in KINDS or not may_import(request.user, kind):
        raise Http404
    return template_response(KINDS[kind])


@require_GET
def error_workbook(request, pk):
    ledger_import = scoped_import(request.user, pk)
    if not ledger_import.invalid_count or not ledger_import.file:
        raise Http404
    return error_workbook_response(ledger_import)


@require_GET
def issues_csv(request, pk):
    ledger_import = scoped_import(request.user, pk)
    encoding = "cp932" if request.GET.get("encoding") == "cp932" else "utf-8"
    return issues_csv_response(ledger_import, encoding=encoding)


def _download(field_file, filename):
    """A stored file as an attachment; 404 when there is none."""
    if not field_file:
        raise Http404
    return FileResponse(field_file.open("rb"), as_attachment=True, filename=filename)


@require_GET
def original_file(request, pk):
    ledger_import = scoped_import(request.user, pk)
    return _download(ledger_import.file, ledger_import.original_name)


@require_POST
def print_batch(request, pk):
    ledger_import = scoped_import(request.user, pk)
    try:
        print_batch_request(ledger_import=ledger_import, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The print vendor's files are being built."))
    return redirect("ledger_imports:detail", pk)


@require_GET
def print_batch_file(request, pk, batch_pk, part):
    ledger_import = scoped_import(request.user, pk)
    batch = ledger_import.print_batches.filter(pk=batch_pk).first()
    field = {"csv": "csv_file", "zip": "zip_file"}.get(part)
    if batch is None or field is None:
        raise Http404
    file = getattr(batch, field)
    return _download(file, file.name.rsplit("/", 1)[-1])
