"""Read-only admin panels: the 決済チャネル panel on a service's page (its channels, their
status, a preview of each asset and the download links), and the asset preview on a
channel's own page, which finance looks at before approving."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import Panel

from catalog.permissions import policy_for
from channels.assets import AssetError
from channels.channel_assets import asset_labels, channel_assets
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
                        "poster_url": poster_url(latest),
                    }
                )
            add_url = None
            if policy.user_has_permission(user, "add"):
                add_url = reverse(viewset.get_url_name("add")) + f"?service={self.instance.pk}"
            context.update(rows=rows, add_url=add_url)
            return context


class ChannelAssetsPanel(Panel):
    """The assets of the channel as last saved, with their downloads."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "channels/panels/asset_figures.html"

        def is_shown(self):
            return bool(self.instance and self.instance.pk and asset_labels(self.instance))

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context.update(assets=asset_links(self.instance), poster_url=poster_url(self.instance))
            return context


def poster_url(channel):
    """The A4 counter poster of a user-scan QR channel; None for other kinds."""
    if channel.config_kind != ConfigKind.JPQR:
        return None
    return reverse("channels_admin:poster", args=[channel.pk])


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


def channel_assets_panel():
    return ChannelAssetsPanel(
        heading=_("Asset preview"),
        help_text=_("As last saved: save the draft to see a change here."),
        icon="image",
    )
