"""Payment assets as pure functions: payload in, bytes out, no database (DESIGN.md §4).

* Convenience-store slip barcode data: GS1-128 with application identifier 91, 44 digits,
  after GS1 Japan's 標準料金代理収納ガイドライン, and its image.
* JPQR (EMVCo merchant-presented QR) payloads, static or with an amount, with their
  CRC-16/CCITT-FALSE, and QR images of any payload: JPQR, an online-payment URL, or an
  eL-QR string supplied by the tax system (rendered as given, never invented).

An input that cannot make a valid asset raises :class:`AssetError` naming the field.
"""

import datetime as dt
import io
import re
from collections.abc import Sequence

import barcode
import segno
from barcode.writer import ImageWriter, SVGWriter
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

BARCODE_AI = "91"
BARCODE_LENGTH = 44
FREE_FIELD_LENGTH = 21
NO_DEADLINE = "999999"
DEFAULT_AMOUNT_CEILING = 300_000
BARCODE_AMOUNT_MAX = 999_999  # six digits

JPQR_GUID = "jp.or.paymentsjapan"
JPQR_CURRENCY_YEN = "392"
QR_ERROR_LEVEL = "m"

# Drawn at a size convenience-store scanners read: 0.33 mm modules, 15 mm bars.
_BARCODE_OPTIONS = {
    "module_width": 0.33,
    "module_height": 15.0,
    "quiet_zone": 6.5,
    "write_text": False,
}


class AssetError(ValueError):
    """An input that cannot make a valid asset; ``field`` names it."""

    def __init__(self, field, message):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _digits(field, value, *, length=None, max_length=None):
    """``value`` as a string of ASCII digits of the given length, or AssetError."""
    text = str(value)
    if not (text.isascii() and text.isdigit()):
        raise AssetError(field, _("Use half-width digits only."))
    if length is not None and len(text) != length:
        raise AssetError(field, _("Must be exactly %(length)d digits.") % {"length": length})
    if max_length is not None and len(text) > max_length:
        raise AssetError(field, _("At most %(length)d digits.") % {"length": max_length})
    return text


def _digit_sum(digits: str) -> int:
    """The sum of ASCII digits, done in C (code points less 48): it runs for every slip."""
    return sum(digits.encode()) - 48 * len(digits)


def gs1_check_digit(digits: str) -> str:
    """Modulus 10 with weights 3, 1, … from the right (the rightmost digit weighs 3)."""
    backwards = digits[::-1]
    total = 3 * _digit_sum(backwards[0::2]) + _digit_sum(backwards[1::2])
    return str((10 - total % 10) % 10)


def convenience_store_barcode(
    *,
    company_code: str,
    free_field: str,
    amount: int,
    deadline: dt.date | None,
    reissue_count: int = 0,
    stamp_flag: int = 0,
    amount_ceiling: int = DEFAULT_AMOUNT_CEILING,
) -> str:
    """The 44 digits of a convenience-store slip barcode (GS1-128, AI 91).

    ``free_field`` is the issuer's layout (e.g. the city's code at the agent and the slip
    number), right-padded with zeros to 21 digits. No ``deadline`` is written 999999.
    Above ``amount_ceiling`` no barcode may be printed, so none is made.
    """
    company = _digits("company_code", company_code, length=6)
    free = _digits("free_field", free_field, max_length=FREE_FIELD_LENGTH)
    if not 0 <= reissue_count <= 9:
        raise AssetError("reissue_count", _("A reissue count is one digit, 0 to 9."))
    if stamp_flag not in (0, 1):
        raise AssetError("stamp_flag", _("The stamp flag is 0 or 1 (0 for public money)."))
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise AssetError("amount", _("The amount is a whole number of yen, 0 or more."))
    ceiling = min(amount_ceiling, BARCODE_AMOUNT_MAX)
    if amount > ceiling:
        raise AssetError(
            "amount",
            _("¥%(amount)s is over ¥%(ceiling)s: no barcode is printed for it.")
            % {"amount": f"{amount:,}", "ceiling": f"{ceiling:,}"},
        )
    if deadline is None:
        deadline_digits = NO_DEADLINE
    elif not isinstance(deadline, dt.date) or not 2000 <= deadline.year <= 2099:
        raise AssetError("deadline", _("The handling deadline must be a date in 2000–2099."))
    else:
        deadline_digits = deadline.strftime("%y%m%d")
    data = (
        f"{BARCODE_AI}{company}{free.ljust(FREE_FIELD_LENGTH, '0')}{reissue_count}"
        f"{deadline_digits}{stamp_flag}{amount:06d}"
    )
    return data + gs1_check_digit(data)


def _valid_barcode_data(data: str) -> str:
    text = _digits("barcode_data", data, length=BARCODE_LENGTH)
    if not text.startswith(BARCODE_AI) or gs1_check_digit(text[:-1]) != text[-1]:
        raise AssetError("barcode_data", _("Not a GS1-128 (AI 91) payment barcode."))
    return text


def barcode_svg(data: str) -> bytes:
    """The GS1-128 symbol of 44-digit slip barcode data, as SVG."""
    return _render_barcode(data, SVGWriter())


def barcode_png(data: str, *, dpi: int = 300) -> bytes:
    """The GS1-128 symbol of 44-digit slip barcode data, as PNG."""
    return _render_barcode(data, ImageWriter(), dpi=dpi)


def _render_barcode(data, writer, **options):
    symbol = barcode.get("gs1_128", _valid_barcode_data(data), writer=writer)
    out = io.BytesIO()
    symbol.write(out, options={**_BARCODE_OPTIONS, **options})
    return out.getvalue()


def crc16_ccitt_false(data: bytes) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) as four uppercase hex digits."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _bit in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def _tlv(field, tag: str, value: str) -> str:
    if not value:
        raise AssetError(field, _("Must not be empty."))
    if len(value) > 99:
        raise AssetError(field, _("At most 99 characters."))
    return f"{tag}{len(value):02d}{value}"


def _text(field, value: str, max_length: int) -> str:
    text = str(value).strip()
    if len(text) > max_length:
        raise AssetError(field, _("At most %(length)d characters.") % {"length": max_length})
    if any(ord(char) < 0x20 for char in text):
        raise AssetError(field, _("Must not contain control characters."))
    return text


def jpqr_payload(
    *,
    store_id_parts: Sequence[str],
    mcc: str,
    merchant_name: str,
    merchant_city: str,
    postal_code: str,
    merchant_name_ja: str = "",
    amount: int | None = None,
) -> str:
    """A JPQR merchant-presented payload: static, or dynamic when ``amount`` is given.

    ``store_id_parts`` are the JPQR store ID parts assigned by the payments council
    (configuration, never invented); ``merchant_name`` is in Latin letters, and
    ``merchant_name_ja`` goes in the language template (64). The CRC covers the UTF-8
    bytes of everything before it, as a reader sees them.
    """
    if not 1 <= len(store_id_parts) <= 4:
        raise AssetError("store_id_parts", _("A JPQR store ID has one to four parts."))
    template = _tlv("store_id_parts", "00", JPQR_GUID)
    for index, part in enumerate(store_id_parts, start=1):
        part = _text("store_id_parts", part, 99)
        if not re.fullmatch(r"[0-9A-Za-z]+", part):
            raise AssetError("store_id_parts", _("Store ID parts are letters and digits."))
        template += _tlv("store_id_parts", f"{index:02d}", part)
    fields = [
        _tlv("payload_format", "00", "01"),
        _tlv("initiation", "01", "11" if amount is None else "12"),
        _tlv("store_id_parts", "26", template),
        _tlv("mcc", "52", _digits("mcc", mcc, length=4)),
        _tlv("currency", "53", JPQR_CURRENCY_YEN),
    ]
    if amount is not None:
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise AssetError("amount", _("The amount is a whole number of yen above 0."))
        fields.append(_tlv("amount", "54", _digits("amount", amount, max_length=13)))
    name = _text("merchant_name", merchant_name, 25)
    if not name.isascii():
        raise AssetError("merchant_name", _("Write the merchant name in Latin letters."))
    fields += [
        _tlv("country", "58", "JP"),
        _tlv("merchant_name", "59", name),
        _tlv("merchant_city", "60", _text("merchant_city", merchant_city, 15)),
        _tlv("postal_code", "61", _text("postal_code", postal_code, 10)),
    ]
    if merchant_name_ja:
        language = _tlv("language", "00", "JA") + _tlv(
            "merchant_name_ja", "01", _text("merchant_name_ja", merchant_name_ja, 25)
        )
        fields.append(_tlv("merchant_name_ja", "64", language))
    body = "".join(fields) + "6304"
    return body + crc16_ccitt_false(body.encode("utf-8"))


def online_payment_url(url: str) -> str:
    """An online-payment URL, checked to be http(s), to put in a QR code."""
    try:
        URLValidator(schemes=["https", "http"])(url)
    except ValidationError:
        raise AssetError("url", _("Enter a full https:// address.")) from None
    return url


def el_qr(payload: str) -> str:
    """An eL-QR string as supplied by the tax system; its content is eLTAX's, so it is only
    checked to be there and printable."""
    text = _text("el_qr", payload, 2000)
    if not text:
        raise AssetError("el_qr", _("Must not be empty."))
    return text


def qr_svg(payload: str) -> bytes:
    """A QR code of ``payload`` (UTF-8, byte mode), as SVG."""
    out = io.BytesIO()
    _qr(payload).save(out, kind="svg", scale=4, border=4, xmldecl=True)
    return out.getvalue()


def qr_png(payload: str, *, scale: int = 6) -> bytes:
    """A QR code of ``payload`` (UTF-8, byte mode), as PNG."""
    out = io.BytesIO()
    _qr(payload).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def _qr(payload):
    if not payload:
        raise AssetError("payload", _("Must not be empty."))
    # Byte mode, so a reader gets exactly the UTF-8 bytes a JPQR CRC was computed over.
    return segno.make(
        payload, mode="byte", encoding="utf-8", error=QR_ERROR_LEVEL, micro=False, boost_error=False
    )
