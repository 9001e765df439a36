from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    """Ledger imports and exports (filled by the ledger issue)."""

    name = "imports"
    verbose_name = _("Ledger imports")
