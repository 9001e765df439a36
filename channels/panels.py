"""The 決済チャネル panel on a service's page: its channels, their status, a preview of
each asset and the download links."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import Panel

from catalog.permissions import policy_for
from channels.assets import AssetError
from channels.channel_assets import channel_assets
from channels.configuration import ConfigKind
from channels.models import ServiceChannel
from channels.selectors import channels_with_latest_content


class ServiceChannelsPanel(Panel):
    """Read-only: the channels are edited on their own pages, each with its approval."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "channels/panels/service_channels.html"

        def is_shown(self):
            return bool(self.instance and self.instance.pk)

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            user = self.request.user
            policy = policy_for(ServiceChannel)
            viewset = ServiceChannel.snippet_viewset
            rows = []
            for channel, latest in channels_with_latest_content(user, self.instance):
                rows.append(
                    {
                        "channel": channel,
                        "status": channel.get_status_display(),
                        "edit_url": reverse(viewset.get_url_name("edit"), args=[channel.pk]),
                        "assets": asset_links(latest),
                        "poster_url": reverse("channels_admin:poster", args=[channel.pk])
                        if latest.config_kind == ConfigKind.JPQR
                        else None,
                    }
                )
            add_url = None
            if policy.user_has_permission(user, "add"):
                add_url = reverse(viewset.get_url_name("add")) + f"?service={self.instance.pk}"
            context.update(rows=rows, add_url=add_url)
            return context


def asset_links(channel):
    """Preview and download links of a channel's assets; an error message in place of the
    links when the configuration cannot make them yet."""
    try:
        found = channel_assets(channel)
    except AssetError as error:
        return {"error": error.message}
    return {
        "items": [
            {
                "label": asset.label,
                "svg": reverse("channels_admin:asset", args=[channel.pk, name, "svg"]),
                "png": reverse("channels_admin:asset", args=[channel.pk, name, "png"]),
            }
            for name, asset in found.items()
        ]
    }


def service_channels_panel():
    return ServiceChannelsPanel(heading=_("Payment channels"), icon="credit-card")
