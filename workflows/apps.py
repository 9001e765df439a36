from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    """Rollout plans and their phases (filled by the rollout issue)."""

    name = "workflows"
    verbose_name = _("Rollouts")
