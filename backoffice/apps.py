from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    """The admin shell: branding, menus and home panels that wire the apps together."""

    name = "backoffice"
    verbose_name = _("Back office")
