"""Ledger imports in the Wagtail admin: the history (with exports) and the pipeline's
screens, under one menu item."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet

from imports import views
from imports.models import LedgerImport


class LedgerImportViewSet(ModelViewSet):
    """The import history is a Wagtail listing; the other screens are the pipeline's own."""

    model = LedgerImport
    name = "ledger_imports"
    icon = "upload"
    menu_label = _("Ledger imports")
    menu_order = 300
    add_to_admin_menu = True
    index_view_class = views.ImportIndexView
    add_view_class = views.UploadView
    list_filter = ["kind", "status"]
    list_export = [
        "pk",
        "kind",
        "original_name",
        "status",
        "created_by",
        "created_at",
        "committed_by",
        "committed_at",
        "rows_total",
        "new_count",
        "changed_count",
        "unchanged_count",
        "invalid_count",
        "skip_invalid",
        "undone_at",
    ]
    export_filename = "ledger-imports"

    @property
    def add_view(self):
        return views.UploadView.as_view()

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("new/", self.add_view, name="add"),
            path("<int:pk>/", views.DetailView.as_view(), name="detail"),
            path("<int:pk>/progress/", views.progress, name="progress"),
            path("<int:pk>/confirm/", views.confirm, name="confirm"),
            path("<int:pk>/undo/", views.undo, name="undo"),
            path("<int:pk>/errors.xlsx", views.error_workbook, name="error_workbook"),
            path("<int:pk>/errors.csv", views.issues_csv, name="issues_csv"),
            path("<int:pk>/file/", views.original_file, name="file"),
            path("<int:pk>/print-batches/", views.print_batch, name="print_batch"),
            path(
                "<int:pk>/print-batches/<int:batch_pk>/<slug:part>/",
                views.print_batch_file,
                name="print_batch_file",
            ),
            path("templates/<slug:kind>.xlsx", views.template, name="template"),
        ]


@hooks.register("register_admin_viewset")
def register_viewsets():
    return LedgerImportViewSet()
