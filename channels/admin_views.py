"""Admin views of a channel's assets: previews and downloads of what staff are working on
(the latest revision), and the A4 poster that stands on a facility's counter."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from channels.assets import AssetError
from channels.channel_assets import FORMATS, channel_asset
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
    channel, latest = _latest(request, pk)
    try:
        found = channel_asset(latest, name)
    except AssetError:
        found = None
    if found is None or fmt not in FORMATS:
        raise Http404
    response = HttpResponse(found.render(fmt), content_type=FORMATS[fmt])
    filename = f"{latest.service.code}-{latest.method.code}-{name}.{fmt}"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


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
