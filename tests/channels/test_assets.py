"""Asset generators against DESIGN.md §4's known vectors and a real decoder (zbarimg)."""

import datetime as dt
import random
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from channels.assets import (
    AssetError,
    barcode_png,
    barcode_svg,
    convenience_store_barcode,
    crc16_ccitt_false,
    el_qr,
    gs1_check_digit,
    jpqr_payload,
    online_payment_url,
    qr_png,
    qr_svg,
)

VECTORS = [
    # the DESIGN.md vectors, split into their fields
    (
        "91912345012345678901234567890101033101230003",
        {
            "company_code": "912345",
            "free_field": "012345678901234567890",
            "reissue_count": 1,
            "deadline": dt.date(2001, 3, 31),
            "stamp_flag": 0,
            "amount": 123000,
        },
    ),
    (
        "91942386178953917853935692730103073110312903",
        {
            "company_code": "942386",
            "free_field": "178953917853935692730",
            "reissue_count": 1,
            "deadline": dt.date(2003, 7, 31),
            "stamp_flag": 1,
            "amount": 31290,
        },
    ),
]
JPQR = {
    "store_id_parts": ["0000000001", "0000000002"],
    "mcc": "9399",
    "merchant_name": "NAGASAKI CITY",
    "merchant_city": "NAGASAKI",
    "postal_code": "8508685",
    "merchant_name_ja": "長崎市 中央地域センター",
}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize("data, fields", VECTORS)
def test_known_barcode_vectors(data, fields):
    assert convenience_store_barcode(**fields) == data
    assert gs1_check_digit(data[:-1]) == data[-1]


def test_crc_of_the_standard_check_string():
    assert crc16_ccitt_false(b"123456789") == "29B1"


def test_barcode_layout_pads_the_free_field_and_writes_no_deadline_as_999999():
    data = convenience_store_barcode(
        company_code="123456", free_field="42201", amount=4500, deadline=None
    )
    assert len(data) == 44
    assert data[:8] == "91123456"
    assert data[8:29] == "42201" + "0" * 16
    assert data[29] == "0"  # first issue
    assert data[30:36] == "999999"
    assert data[36] == "0"  # public money
    assert data[37:43] == "004500"


def test_an_amount_over_the_ceiling_gets_no_barcode():
    fields = {"company_code": "123456", "free_field": "1", "deadline": None}
    assert convenience_store_barcode(**fields, amount=300_000)
    with pytest.raises(AssetError) as refused:
        convenience_store_barcode(**fields, amount=300_001)
    assert refused.value.field == "amount"
    assert "¥300,001 is over ¥300,000" in str(refused.value)
    assert convenience_store_barcode(**fields, amount=500_000, amount_ceiling=600_000)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"company_code": "12345"}, "company_code"),
        ({"company_code": "１２３４５６"}, "company_code"),
        ({"company_code": "12a456"}, "company_code"),
        ({"free_field": "1" * 22}, "free_field"),
        ({"free_field": ""}, "free_field"),
        ({"free_field": "12-34"}, "free_field"),
        ({"reissue_count": 10}, "reissue_count"),
        ({"reissue_count": -1}, "reissue_count"),
        ({"stamp_flag": 2}, "stamp_flag"),
        ({"amount": -1}, "amount"),
        ({"amount": 100.5}, "amount"),
        ({"amount": True}, "amount"),
        ({"deadline": dt.date(2100, 1, 1)}, "deadline"),
        ({"deadline": "2024-04-30"}, "deadline"),
    ],
)
def test_inputs_that_cannot_make_a_barcode_name_the_field(change, field):
    fields = {"company_code": "123456", "free_field": "1", "amount": 1000, "deadline": None}
    with pytest.raises(AssetError) as refused:
        convenience_store_barcode(**{**fields, **change})
    assert refused.value.field == field


@pytest.mark.parametrize(
    "data",
    [
        "91912345012345678901234567890101033101230004",  # wrong check digit
        "92912345012345678901234567890101033101230003",  # not AI 91
        "9191234501234567890123456789010103310123000",  # 43 digits
    ],
)
def test_images_are_only_drawn_for_valid_barcode_data(data):
    with pytest.raises(AssetError) as refused:
        barcode_png(data)
    assert refused.value.field == "barcode_data"


def test_jpqr_static_payload_structure():
    payload = jpqr_payload(**JPQR)
    assert payload.startswith("000201010211")
    assert "0019jp.or.paymentsjapan" in payload
    assert "520493995303392" in payload
    assert "5802JP5913NAGASAKI CITY6008NAGASAKI61078508685" in payload
    assert "54" not in _tags(payload)
    assert payload[-8:-4] == "6304"
    assert payload[-4:] == crc16_ccitt_false(payload[:-4].encode("utf-8"))


def test_jpqr_dynamic_payload_carries_the_amount():
    payload = jpqr_payload(**JPQR, amount=520)
    assert payload.startswith("000201010212")
    assert _tags(payload)["54"] == "520"
    assert _tags(_tags(payload)["64"]) == {"00": "JA", "01": "長崎市 中央地域センター"}


def _tags(payload):
    """Parse one level of EMVCo TLV (lengths count characters)."""
    tags, index = {}, 0
    while index < len(payload):
        tag, length = payload[index : index + 2], int(payload[index + 2 : index + 4])
        tags[tag] = payload[index + 4 : index + 4 + length]
        index += 4 + length
    return tags


@pytest.mark.parametrize(
    "change, field",
    [
        ({"store_id_parts": []}, "store_id_parts"),
        ({"store_id_parts": ["1", "2", "3", "4", "5"]}, "store_id_parts"),
        ({"store_id_parts": ["12-34"]}, "store_id_parts"),
        ({"store_id_parts": [""]}, "store_id_parts"),
        ({"mcc": "939"}, "mcc"),
        ({"mcc": "93a9"}, "mcc"),
        ({"merchant_name": "長崎市"}, "merchant_name"),
        ({"merchant_name": "N" * 26}, "merchant_name"),
        ({"merchant_name": ""}, "merchant_name"),
        ({"merchant_city": "C" * 16}, "merchant_city"),
        ({"postal_code": ""}, "postal_code"),
        ({"merchant_name_ja": "名" * 26}, "merchant_name_ja"),
        ({"amount": 0}, "amount"),
        ({"amount": -5}, "amount"),
        ({"amount": 10**13}, "amount"),
    ],
)
def test_inputs_that_cannot_make_a_jpqr_payload_name_the_field(change, field):
    with pytest.raises(AssetError) as refused:
        jpqr_payload(**{**JPQR, **change})
    assert refused.value.field == field


def test_online_payment_urls_must_be_web_addresses():
    assert online_payment_url("https://e-shinsei.city.example.jp/pay/123") == (
        "https://e-shinsei.city.example.jp/pay/123"
    )
    for bad in ["javascript:alert(1)", "e-shinsei/pay", ""]:
        with pytest.raises(AssetError) as refused:
            online_payment_url(bad)
        assert refused.value.field == "url"


def test_el_qr_is_rendered_as_given_but_never_empty():
    assert el_qr(" 0123456789ABCDEF ") == "0123456789ABCDEF"
    for bad in ["", "   ", "abc\x07def"]:
        with pytest.raises(AssetError) as refused:
            el_qr(bad)
        assert refused.value.field == "el_qr"


def test_svg_assets_are_svg_documents():
    for svg in [barcode_svg(VECTORS[0][0]), qr_svg(jpqr_payload(**JPQR))]:
        root = ET.fromstring(svg)
        assert root.tag.endswith("svg")


def test_png_assets_are_png_images():
    for png in [barcode_png(VECTORS[0][0]), qr_png("https://example.jp/")]:
        assert png.startswith(b"\x89PNG\r\n\x1a\n")


def test_zbar_reads_back_every_barcode(zbar):
    rng = random.Random(20261124)
    for index in range(25):
        data = convenience_store_barcode(
            company_code=f"{rng.randrange(10**6):06d}",
            free_field=str(rng.randrange(10**21)),
            amount=rng.randrange(300_001),
            deadline=rng.choice([None, dt.date(2024, 1, 1) + dt.timedelta(rng.randrange(3000))]),
            reissue_count=rng.randrange(10),
        )
        assert zbar(barcode_png(data), f"barcode{index}") == data


def test_zbar_reads_back_every_qr(zbar):
    rng = random.Random(2024)
    names = ["出島", "グラバー園", "中央地域センター", "長崎市科学館", "稲佐山スロープカー"]
    payloads = [
        online_payment_url("https://e-shinsei.city.example.jp/pay?id=42&lang=ja"),
        el_qr("".join(rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(300))),
    ]
    for _ in range(20):
        payloads.append(
            jpqr_payload(
                store_id_parts=[str(rng.randrange(10**10)) for _ in range(rng.randint(1, 4))],
                mcc=rng.choice(["9399", "7991", "8412"]),
                merchant_name="NAGASAKI CITY",
                merchant_city="NAGASAKI",
                postal_code=f"85{rng.randrange(10**5):05d}",
                merchant_name_ja=rng.choice(names),
                amount=rng.choice([None, rng.randint(1, 999_999)]),
            )
        )
    for index, payload in enumerate(payloads):
        decoded = zbar(qr_png(payload), f"qr{index}")
        assert decoded == payload
        if payload.startswith("000201"):
            assert decoded[-4:] == crc16_ccitt_false(decoded[:-4].encode("utf-8"))
