"""Which assets a channel has, built from its configuration by the pure generators.

* user-scan QR (JPQR): the static JPQR code that stands on the counter;
* online payment: a QR code of the payment page's address;
* convenience-store barcode (and smartphone payment of slips): a specimen barcode with
  slip number 1 and the service's standard amount, for the print vendor to check the
  layout against (real slips get theirs from the slip ledger).

Other kinds (counter terminals, Pay-easy, bank transfer) have no asset.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from channels import assets
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


def channel_assets(channel):
    """The assets of ``channel`` (as configured on the given instance), by name.

    Raises :class:`channels.assets.AssetError` when the configuration cannot make one.
    """
    kind = channel.config_kind
    if kind == ConfigKind.JPQR:
        return {"jpqr": Asset("jpqr", _("JPQR code"), "qr", channel.jpqr_static_payload())}
    if kind == ConfigKind.ONLINE:
        payload = assets.online_payment_url(channel.payment_url)
        return {"payment-url": Asset("payment-url", _("Payment page QR code"), "qr", payload)}
    if kind == ConfigKind.SLIP_BARCODE:
        amount = channel.service.standard_amount or SPECIMEN_AMOUNT
        payload = assets.convenience_store_barcode(
            company_code=channel.agent_company_code,
            free_field=specimen_free_field(channel),
            amount=min(amount, channel.amount_ceiling),
            deadline=None,
        )
        return {
            "barcode-specimen": Asset("barcode-specimen", _("Specimen barcode"), "gs1_128", payload)
        }
    return {}
