"""Which assets a channel has, built from its configuration by the pure generators.

* user-scan QR (JPQR): the static JPQR code that stands on the counter;
* online payment: a QR code of the payment page's address;
* convenience-store barcode (and smartphone payment of slips): a specimen barcode with
  slip number 1 and the service's standard amount, for the print vendor to check the
  layout against (real slips get theirs from the slip ledger).

Other kinds (counter terminals, Pay-easy, bank transfer) have no asset.
"""

from dataclasses import dataclass

from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy as _

from channels import assets
from channels.assets import AssetError
from channels.configuration import ConfigKind

SPECIMEN_AMOUNT = 1_000
FORMATS = {"svg": "image/svg+xml", "png": "image/png"}


@dataclass(frozen=True)
class Asset:
    """One downloadable asset of a channel: its name in URLs, a label and its payload."""

    name: str
    label: str
    symbology: str  # "qr" or "gs1_128"
    payload: str

    def render(self, fmt):
        """The asset as SVG or PNG bytes."""
        if self.symbology == "qr":
            return assets.qr_svg(self.payload) if fmt == "svg" else assets.qr_png(self.payload)
        return (
            assets.barcode_svg(self.payload) if fmt == "svg" else assets.barcode_png(self.payload)
        )


def specimen_free_field(channel, slip_number=1):
    """The 21-digit free field layout: the city's code at the agent, then the slip number."""
    return channel.agent_city_code + str(slip_number).zfill(channel.slip_number_digits)


def _jpqr_payload(channel):
    return channel.jpqr_static_payload()


def _payment_url_payload(channel):
    return assets.online_payment_url(channel.payment_url)


def _specimen_barcode_payload(channel):
    amount = channel.service.standard_amount or SPECIMEN_AMOUNT
    return assets.convenience_store_barcode(
        company_code=channel.agent_company_code,
        free_field=specimen_free_field(channel),
        amount=min(amount, channel.amount_ceiling),
        deadline=None,
    )


# The assets of each configuration kind: name → (label, symbology, payload builder).
ASSETS_BY_KIND = {
    ConfigKind.JPQR: {"jpqr": (_("JPQR code"), "qr", _jpqr_payload)},
    ConfigKind.ONLINE: {"payment-url": (_("Payment page QR code"), "qr", _payment_url_payload)},
    ConfigKind.SLIP_BARCODE: {
        "barcode-specimen": (_("Specimen barcode"), "gs1_128", _specimen_barcode_payload)
    },
}


def asset_labels(channel):
    """The names and labels of the assets ``channel`` has, without building them: what a
    listing needs (a published channel's configuration was checked when it was saved)."""
    return {name: spec[0] for name, spec in ASSETS_BY_KIND.get(channel.config_kind, {}).items()}


def channel_asset(channel, name):
    """The asset ``name`` of ``channel`` (as configured on the given instance), or None.

    Raises :class:`channels.assets.AssetError` when the configuration cannot make it.
    """
    spec = ASSETS_BY_KIND.get(channel.config_kind, {}).get(name)
    if spec is None:
        return None
    label, symbology, payload = spec
    return Asset(name, label, symbology, payload(channel))


def channel_assets(channel):
    """Every asset of ``channel``, built, by name (raises AssetError like channel_asset)."""
    return {name: channel_asset(channel, name) for name in asset_labels(channel)}


def asset_response(channel, name, fmt):
    """The asset ``name`` of ``channel`` as an SVG or PNG response, for the admin's preview
    and the integrator API alike; 404 for an asset, format or configuration that cannot
    make one."""
    try:
        asset = channel_asset(channel, name) if fmt in FORMATS else None
    except AssetError:
        asset = None
    if asset is None:
        raise Http404
    response = HttpResponse(asset.render(fmt), content_type=FORMATS[fmt])
    filename = f"{channel.service.code}-{channel.method.code}-{name}.{fmt}"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
