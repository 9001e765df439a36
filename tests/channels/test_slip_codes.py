"""What a payment slip carries: barcode digits from the service's published
convenience-store channel (deadline rules, business days, the ceiling), the reasons there
are none, and images a real scanner (zbarimg) reads back."""

import datetime as dt

import pytest
from django.http import Http404
from django.utils import translation

from channels.assets import gs1_check_digit
from channels.models import PaymentSlip, ServiceChannel
from channels.selectors import published_slip_channels
from channels.slip_codes import (
    barcode_deadline,
    slip_asset_response,
    slip_assets,
    slip_barcode,
    slip_number_error,
)

LAYOUT = {
    "agent_company_code": "912345",
    "agent_city_code": "42201",
    "slip_number_digits": 10,
    "deadline_rule": "due_date",
    "deadline_days": None,
    "amount_ceiling": 300_000,
}
EL_QR = "ELQR-0123456789-長崎市-市県民税"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def layout(**changes):
    """A convenience-store channel's configuration, unsaved: what the pure code reads."""
    return ServiceChannel(**{**LAYOUT, **changes})


def barcode(channel, *, slip_number="123456", amount=4500, due_date=dt.date(2024, 6, 12), **kw):
    return slip_barcode(
        channel=channel,
        slip_number=slip_number,
        amount=amount,
        due_date=due_date,
        reissue_count=kw.get("reissue_count", 0),
    )


# --- Barcode digits ----------------------------------------------------------------------


def test_a_slip_barcode_carries_the_channel_layout_and_the_slip_values():
    data, note = barcode(layout(), slip_number="123456", amount=4500, reissue_count=2)

    assert note == ""
    assert len(data) == 44 and data.isdigit()
    assert data[:2] == "91"
    assert data[2:8] == "912345"  # the collection agent's company code
    assert data[8:29] == "42201" + "0000123456" + "000000"  # city code, slip number, padding
    assert data[29] == "2"  # reissue count
    assert data[30:36] == "240612"  # a Wednesday: the due date itself
    assert data[36] == "0"  # public money: no stamp
    assert data[37:43] == "004500"  # the amount
    assert gs1_check_digit(data[:43]) == data[43]


@pytest.mark.parametrize(
    "changes, due_date, deadline",
    [
        ({}, dt.date(2024, 6, 12), dt.date(2024, 6, 12)),
        # Due on 憲法記念日: the deadline is after Golden Week.
        ({}, dt.date(2024, 5, 3), dt.date(2024, 5, 7)),
        # 30 days after 2024-11-29 is Sunday 29 December, in the year-end closing days.
        (
            {"deadline_rule": "due_date_plus_days", "deadline_days": 30},
            dt.date(2024, 11, 29),
            dt.date(2025, 1, 6),
        ),
        (
            {"deadline_rule": "due_date_plus_days", "deadline_days": 14},
            dt.date(2024, 6, 12),
            dt.date(2024, 6, 26),
        ),
        ({"deadline_rule": "none"}, dt.date(2024, 5, 3), None),
    ],
    ids=["due-date", "holiday", "plus-days-year-end", "plus-days", "none"],
)
def test_the_deadline_follows_the_rule_and_moves_to_a_business_day(changes, due_date, deadline):
    channel = layout(**changes)
    assert barcode_deadline(channel, due_date) == deadline

    data, _note = barcode(channel, due_date=due_date)
    assert data[30:36] == (deadline.strftime("%y%m%d") if deadline else "999999")


def test_over_the_ceiling_there_is_no_barcode_and_the_note_says_why():
    assert barcode(layout(), amount=300_000)[0]
    data, note = barcode(layout(), amount=300_001)
    assert data == ""
    assert note == "¥300,001 is over ¥300,000: no barcode is printed for it."

    data, note = barcode(layout(amount_ceiling=100_000), amount=150_000)
    assert data == ""
    assert "¥100,000" in note


def test_without_a_published_channel_there_is_no_barcode():
    assert barcode(None) == ("", "The service has no published convenience-store channel.")


def test_a_value_the_barcode_cannot_carry_gives_a_note_not_an_error():
    data, note = barcode(layout(), reissue_count=10)
    assert data == ""
    assert note.startswith("No barcode: ")


# --- Slip numbers ------------------------------------------------------------------------


def test_a_slip_number_must_fit_the_layout():
    assert slip_number_error(layout(), "1234567890") is None
    assert slip_number_error(layout(), "1") is None
    too_long = slip_number_error(layout(), "12345678901")
    assert too_long == (
        "The slip number has 11 digits; the convenience-store barcode of this service has "
        "room for 10."
    )
    # Without a channel there is no barcode, so any slip number fits.
    assert slip_number_error(None, "1" * 20) is None


def test_a_layout_wider_than_the_free_field_refuses_every_slip_number():
    wide = layout(agent_city_code="1234567890", slip_number_digits=12)
    assert "22 digits" in slip_number_error(wide, "1")


# --- Images --------------------------------------------------------------------------------


def slip(**fields):
    values = {
        "slip_number": "123456",
        "payer_number": "P001",
        "amount": 4500,
        "due_date": dt.date(2024, 6, 12),
    }
    return PaymentSlip(**{**values, **fields})


def test_a_slip_has_the_images_of_what_it_carries():
    data, _note = barcode(layout())
    both = slip_assets(slip(barcode_data=data, el_qr=EL_QR))
    assert list(both) == ["barcode", "el-qr"]
    assert (both["barcode"].symbology, both["barcode"].payload) == ("gs1_128", data)
    assert (both["el-qr"].symbology, both["el-qr"].payload) == ("qr", EL_QR)
    assert str(both["barcode"].label) == "Convenience-store barcode"

    assert list(slip_assets(slip(el_qr=EL_QR))) == ["el-qr"]
    assert slip_assets(slip()) == {}
    # An eL-QR string that cannot be printed is not offered.
    assert slip_assets(slip(el_qr="bad\x07payload")) == {}


def test_zbar_reads_the_slip_barcode_and_el_qr_back(zbar):
    data, _note = barcode(layout(), slip_number="9876543210", amount=123_456)
    record = slip(slip_number="9876543210", barcode_data=data, el_qr=EL_QR)

    png = slip_asset_response(record, "barcode", "png")
    assert png["Content-Type"] == "image/png"
    assert zbar(png.content, "slip-barcode") == data

    qr = slip_asset_response(record, "el-qr", "png")
    assert zbar(qr.content, "slip-el-qr") == EL_QR

    svg = slip_asset_response(record, "barcode", "svg")
    assert svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content[:500]
    assert svg["Content-Disposition"] == 'inline; filename="slip-9876543210-barcode.svg"'


@pytest.mark.parametrize("name, fmt", [("barcode", "png"), ("el-qr", "gif"), ("jpqr", "svg")])
def test_an_image_the_slip_does_not_have_is_404(name, fmt):
    with pytest.raises(Http404):
        slip_asset_response(slip(el_qr=EL_QR), name, fmt)


# --- The published channels of many services, at once -----------------------------------


def test_published_slip_channels_finds_the_live_barcode_channel_per_service(
    make_channel, make_service_for, django_assert_num_queries
):
    live = make_channel("convenience_store", publish=True)
    draft = make_channel("convenience_store", publish=False)
    other_kind = make_channel("pay_easy", publish=True)
    both = make_service_for("convenience_store")
    smartphone = make_channel("smartphone_slip", service=both, publish=True)
    store = make_channel("convenience_store", service=both, publish=True, agent_city_code="9")
    services = [live.service_id, draft.service_id, other_kind.service_id, both.pk]

    with django_assert_num_queries(1):
        found = published_slip_channels(services)
        assert {pk: channel.method.code for pk, channel in found.items()} == {
            live.service_id: "convenience_store",
            both.pk: "convenience_store",
        }
    assert found[both.pk].pk == store.pk != smartphone.pk
    assert found[both.pk].agent_city_code == "9"
    assert published_slip_channels([]) == {}


def test_a_draft_change_of_a_live_channel_does_not_change_the_barcode(make_channel):
    channel = make_channel("convenience_store", publish=True)
    draft = ServiceChannel.objects.get(pk=channel.pk)
    draft.agent_city_code = "99999"
    draft.save_revision()

    served = published_slip_channels([channel.service_id])[channel.service_id]
    data, _note = barcode(served)
    assert data[8:13] == channel.agent_city_code != "99999"
