"""Admin views of a channel's assets: previews and downloads of what staff are working on
(the latest revision), and the A4 poster that stands on a facility's counter."""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from channels.assets import AssetError
from channels.channel_assets import asset_response, channel_asset
from channels.configuration import ConfigKind
from channels.selectors import scoped_channel


def _latest(request, pk):
    channel = scoped_channel(request.user, pk)
    if channel is None:
        raise Http404
    return channel, channel.get_latest_revision_as_object()


@require_GET
def asset(request, pk, name, fmt):
    """One asset of the channel as SVG or PNG; 404 for another department's channel."""
    _channel, latest = _latest(request, pk)
    return asset_response(latest, name, fmt)


@require_GET
def poster(request, pk):
    """A printable A4 poster with the user-scan QR code, for a facility's counter."""
    channel, latest = _latest(request, pk)
    if latest.config_kind != ConfigKind.JPQR:
        raise Http404
    try:
        channel_asset(latest, "jpqr")
    except AssetError as error:
        raise Http404(error.message) from error
    return render(
        request,
        "channels/poster.html",
        {
            "channel": latest,
            "service": latest.service,
            "facility": latest.service.facility,
            "qr_url": reverse("channels_admin:asset", args=[channel.pk, "jpqr", "svg"]),
        },
    )
