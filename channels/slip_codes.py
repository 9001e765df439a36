"""What is printed on a payment slip, from its values and its service's published
convenience-store channel: the 44 barcode digits (or why there are none), the barcode
handling deadline, and the slip's downloadable images.

The slip ledger's commit calls :func:`slip_barcode` for every row (100,000 in a big one),
and its validation calls :func:`slip_number_error` for every row: both are pure and cheap,
no database and no pattern compiling per call. The caller fetches the channels once, with
:func:`channels.selectors.published_slip_channels`.
"""

import datetime as dt
from contextlib import suppress

from django.http import Http404, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalog.business_days import next_business_day
from channels import assets
from channels.assets import FREE_FIELD_LENGTH, AssetError
from channels.channel_assets import FORMATS, Asset
from channels.configuration import DeadlineRule

BARCODE = "barcode"
EL_QR = "el-qr"
ASSET_LABELS = {BARCODE: _("Convenience-store barcode"), EL_QR: _("eL-QR code")}


def slip_number_error(channel, slip_number: str) -> str | None:
    """Why ``slip_number`` does not fit the free field of ``channel``'s barcode layout, or
    None when it does (or there is no channel, so no barcode to fit)."""
    if channel is None:
        return None
    digits = channel.slip_number_digits
    if len(slip_number) > digits:
        return gettext(
            "The slip number has %(length)d digits; the convenience-store barcode of this "
            "service has room for %(digits)d."
        ) % {"length": len(slip_number), "digits": digits}
    total = len(channel.agent_city_code) + digits
    if total > FREE_FIELD_LENGTH:
        return gettext(
            "The city code and the slip number take %(total)d digits; the free field has 21."
        ) % {"total": total}
    return None


def barcode_deadline(channel, due_date: dt.date) -> dt.date | None:
    """The barcode handling deadline of a slip due on ``due_date``, by the channel's rule,
    moved to the next business day; None for no deadline (printed 999999)."""
    rule = channel.deadline_rule
    if rule == DeadlineRule.DUE_DATE:
        return next_business_day(due_date)
    if rule == DeadlineRule.DUE_DATE_PLUS_DAYS:
        return next_business_day(due_date + dt.timedelta(days=channel.deadline_days or 0))
    return None


def slip_barcode(
    *, channel, slip_number: str, amount: int, due_date: dt.date, reissue_count: int
) -> tuple[str, str]:
    """``(barcode_data, barcode_note)`` of one slip: the 44 digits and no note, or no
    digits and a note saying why (no published channel, the amount over the ceiling, or a
    value the barcode cannot carry), which the print vendor's file repeats.

    ``channel`` is the service's published convenience-store channel, or None.
    """
    if channel is None:
        return "", gettext("The service has no published convenience-store channel.")
    ceiling = channel.amount_ceiling or assets.DEFAULT_AMOUNT_CEILING
    if amount > ceiling:
        # The generator's own wording, so staff read one sentence for one rule.
        return "", gettext("¥%(amount)s is over ¥%(ceiling)s: no barcode is printed for it.") % {
            "amount": f"{amount:,}",
            "ceiling": f"{ceiling:,}",
        }
    try:
        data = assets.convenience_store_barcode(
            company_code=channel.agent_company_code,
            free_field=channel.agent_city_code + slip_number.zfill(channel.slip_number_digits),
            amount=amount,
            deadline=barcode_deadline(channel, due_date),
            reissue_count=reissue_count,
            amount_ceiling=ceiling,
        )
    except AssetError as error:
        # Validation refuses such rows first; a commit still never fails over one barcode.
        return "", gettext("No barcode: %(reason)s") % {"reason": error.message}
    return data, ""


def slip_assets(slip) -> dict[str, Asset]:
    """The images of ``slip`` by name: its barcode when it has barcode digits, its eL-QR
    code when the tax system supplied a (printable) eL-QR string."""
    found = {}
    if slip.barcode_data:
        found[BARCODE] = Asset(BARCODE, ASSET_LABELS[BARCODE], "gs1_128", slip.barcode_data)
    # An unprintable eL-QR string is left out: never listed, so never a link that 404s.
    if slip.el_qr:
        with suppress(AssetError):
            found[EL_QR] = Asset(EL_QR, ASSET_LABELS[EL_QR], "qr", assets.el_qr(slip.el_qr))
    return found


def slip_asset_response(slip, name, fmt):
    """The image ``name`` of ``slip`` as an SVG or PNG response; 404 for an image the slip
    does not have or a format there is none in."""
    asset = slip_assets(slip).get(name) if fmt in FORMATS else None
    if asset is None:
        raise Http404
    try:
        body = asset.render(fmt)
    except AssetError:
        raise Http404 from None
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'inline; filename="slip-{slip.slip_number}-{name}.{fmt}"'
    return response
