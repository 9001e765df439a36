from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    """Payment channels per service (filled by the channels issue)."""

    name = "channels"
    verbose_name = _("Payment channels")
