"""Rollout waves, phases, approvals, scheduled transitions and the fiscal-year timeline."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    """Rollout plans (waves), their phases, finance's approval of phase moves and the
    timeline."""

    name = "workflows"
    verbose_name = _("Rollouts")

    def ready(self):
        from wagtail.permissions import register_permission_policy

        from workflows.models import RolloutPlan
        from workflows.permissions import RolloutPlanPermissionPolicy
        from workflows.setup import ensure_rollout_setup

        register_permission_policy(RolloutPlan, RolloutPlanPermissionPolicy(RolloutPlan))
        post_migrate.connect(ensure_rollout_setup, sender=self)
