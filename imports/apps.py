from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    """Excel ledgers: templates, upload → check → preview → commit → undo, and exports."""

    name = "imports"
    verbose_name = _("Ledger imports")

    def ready(self):
        from imports.setup import ensure_import_permissions

        post_migrate.connect(ensure_import_permissions, sender=self)
