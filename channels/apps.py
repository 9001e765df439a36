from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    """Payment methods, per-service channels, their assets and the integrator API."""

    name = "channels"
    verbose_name = _("Payment channels")

    def ready(self):
        from wagtail.permissions import register_permission_policy

        from channels import signals  # noqa: F401 (connects the change feed)
        from channels.models import PaymentMethod, ServiceChannel
        from channels.permissions import ChannelPermissionPolicy, PaymentMethodPermissionPolicy
        from channels.setup import ensure_channel_setup

        register_permission_policy(ServiceChannel, ChannelPermissionPolicy(ServiceChannel))
        register_permission_policy(PaymentMethod, PaymentMethodPermissionPolicy(PaymentMethod))
        post_migrate.connect(ensure_channel_setup, sender=self)
