"""Key performance indicators of the cashless policy: cashless share, rollout coverage,
collection and on-time rates, measured against targets."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class KpisConfig(AppConfig):
    """The KPI dashboard and the targets finance sets. It reads every other app (catalog,
    channels, workflows) and nothing reads it."""

    name = "kpis"
    verbose_name = _("Indicators")

    def ready(self):
        from kpis.setup import ensure_kpi_setup

        post_migrate.connect(ensure_kpi_setup, sender=self)
