"""A channel's configuration: what each kind of method requires, what each field refuses,
which routes a method fits, and that fields the method does not use are emptied.

Messages are checked in English (``override("en")``); the Japanese catalogue is checked
for the messages whose translation is settled (the digit-code and JPQR store ID ones).
"""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from catalog.models import Service
from channels.models import PaymentMethod, ServiceChannel
from channels.services import channel_create
from tests.channels.conftest import payment_method, valid_config

ALL_METHODS = [
    "credit_card",
    "e_money",
    "qr_store_scan",
    "qr_user_scan",
    "convenience_store",
    "smartphone_slip",
    "pay_easy",
    "bank_transfer",
    "online_card",
]

# What the issue asks each kind to carry (kept here, not read from the code under test).
REQUIRED = {
    "credit_card": {"merchant_id", "terminal_ids", "fee_rate", "settlement_cycle"},
    "qr_user_scan": {
        "jpqr_store_id",
        "mcc",
        "merchant_name",
        "merchant_city",
        "merchant_postal_code",
        "fee_rate",
        "settlement_cycle",
    },
    "convenience_store": {
        "agent_company_code",
        "agent_city_code",
        "slip_number_digits",
        "deadline_rule",
        "amount_ceiling",
    },
    "pay_easy": {"payeasy_institution_code", "payeasy_payment_category"},
    "bank_transfer": {"consignor_code"},
    "online_card": {"payment_url", "fee_rate", "settlement_cycle"},
}

NULLABLE = {"fee_rate", "slip_number_digits", "amount_ceiling", "deadline_days"}


def blank(name):
    return None if name in NULLABLE else ""


@pytest.fixture
def errors_of(make_service_for):
    """``errors_of(method_code, service=None, **changes)``: the English messages by field
    of a channel with a valid configuration changed by ``changes`` ({} when it is valid)."""

    def check(method_code, *, service=None, **changes):
        channel = ServiceChannel(
            service=service or make_service_for(method_code),
            method=payment_method(method_code),
            **{**valid_config(method_code), **changes},
        )
        with translation.override("en"):
            try:
                channel.full_clean()
            except ValidationError as error:
                return {field: [str(m) for m in msgs] for field, msgs in error.message_dict.items()}
        return {}

    return check


@pytest.mark.parametrize("method_code", ALL_METHODS)
def test_a_complete_configuration_of_each_method_is_accepted(errors_of, method_code):
    assert errors_of(method_code) == {}


@pytest.mark.parametrize("method_code", sorted(REQUIRED))
def test_each_kind_requires_its_own_fields(errors_of, method_code):
    required = REQUIRED[method_code]
    errors = errors_of(method_code, **{name: blank(name) for name in required})

    assert set(errors) == required
    name = payment_method(method_code).name
    for field in required:
        assert f"Required for {name}." in errors[field]


def test_codes_typed_in_full_width_are_kept_in_half_width(make_service_for):
    channel = channel_create(
        service=make_service_for("convenience_store"),
        method=payment_method("convenience_store"),
        **{
            **valid_config("convenience_store"),
            "agent_company_code": "９１２３４５",
            "agent_city_code": "\u3000４２２０ ",
        },
    )

    assert (channel.agent_company_code, channel.agent_city_code) == ("912345", "4220")


def test_the_amount_ceiling_defaults_to_300000_yen(make_service_for):
    config = valid_config("convenience_store")
    del config["amount_ceiling"]
    channel = channel_create(
        service=make_service_for("convenience_store"),
        method=payment_method("convenience_store"),
        **config,
    )
    assert channel.amount_ceiling == 300_000
    assert channel.configuration()["amount_ceiling"] == 300_000


SIX = "Enter exactly 6 half-width digits, e.g. 000001."
REJECTED = [
    # (method, changes, field, English message)
    ("convenience_store", {"agent_company_code": "91234"}, "agent_company_code", SIX),
    ("convenience_store", {"agent_company_code": "91234A"}, "agent_company_code", SIX),
    ("convenience_store", {"agent_company_code": "９１２３４"}, "agent_company_code", SIX),
    (
        "convenience_store",
        {"agent_city_code": "42-01"},
        "agent_city_code",
        "Enter 1 to 10 half-width digits.",
    ),
    (
        "convenience_store",
        {"agent_city_code": "42201", "slip_number_digits": 17},
        "slip_number_digits",
        "The city code and the slip number take 22 digits; the free field has 21.",
    ),
    (
        "smartphone_slip",
        {"agent_city_code": "4220100001", "slip_number_digits": 12},
        "slip_number_digits",
        "The city code and the slip number take 22 digits; the free field has 21.",
    ),
    (
        "convenience_store",
        {"deadline_rule": "due_date_plus_days", "deadline_days": None},
        "deadline_days",
        "Enter how many days after the due date.",
    ),
    (
        "convenience_store",
        {"amount_ceiling": 1_000_000},
        "amount_ceiling",
        "Ensure this value is less than or equal to 999999.",
    ),
    (
        "pay_easy",
        {"payeasy_institution_code": "1234"},
        "payeasy_institution_code",
        "Enter exactly 5 half-width digits, e.g. 00001.",
    ),
    (
        "pay_easy",
        {"payeasy_institution_code": "1234X"},
        "payeasy_institution_code",
        "Enter exactly 5 half-width digits, e.g. 00001.",
    ),
    (
        "pay_easy",
        {"payeasy_payment_category": "01"},
        "payeasy_payment_category",
        "Enter exactly 3 half-width digits, e.g. 001.",
    ),
    (
        "bank_transfer",
        {"consignor_code": "012345678"},
        "consignor_code",
        "Enter exactly 10 half-width digits, e.g. 0000000001.",
    ),
    (
        "bank_transfer",
        {"consignor_code": "01234-6789"},
        "consignor_code",
        "Enter exactly 10 half-width digits, e.g. 0000000001.",
    ),
    ("qr_user_scan", {"mcc": "939"}, "mcc", "Enter exactly 4 half-width digits, e.g. 0001."),
    ("qr_user_scan", {"mcc": "93A9"}, "mcc", "Enter exactly 4 half-width digits, e.g. 0001."),
    (
        "qr_user_scan",
        {"merchant_postal_code": "850086"},
        "merchant_postal_code",
        "Enter exactly 7 half-width digits, e.g. 0000001.",
    ),
    (
        "qr_user_scan",
        {"jpqr_store_id": "0000000001-00_02"},
        "jpqr_store_id",
        "Store ID parts are letters and digits.",
    ),
    (
        "qr_user_scan",
        {"jpqr_store_id": "1-2-3-4-5"},
        "jpqr_store_id",
        "A JPQR store ID has one to four parts.",
    ),
    (
        "qr_user_scan",
        {"merchant_name": "長崎市 出島"},
        "merchant_name",
        "Write the merchant name in Latin letters.",
    ),
    (
        "credit_card",
        {"terminal_ids": "T-001\nT 002"},
        "terminal_ids",
        "T 002 is not a terminal ID: use up to 32 half-width letters, digits and hyphens.",
    ),
    (
        "e_money",
        {"terminal_ids": "T" * 33},
        "terminal_ids",
        f"{'T' * 33} is not a terminal ID: use up to 32 half-width letters, digits and hyphens.",
    ),
    (
        "qr_store_scan",
        {"terminal_ids": "T-001\nT-002\nT-001"},
        "terminal_ids",
        "A terminal ID is listed twice.",
    ),
    (
        "credit_card",
        {"merchant_id": "M 0001"},
        "merchant_id",
        "Use half-width letters, digits and hyphens only.",
    ),
    (
        "credit_card",
        {"fee_rate": "10.01"},
        "fee_rate",
        "Ensure this value is less than or equal to 10.",
    ),
    (
        "qr_user_scan",
        {"fee_rate": "-0.01"},
        "fee_rate",
        "Ensure this value is greater than or equal to 0.",
    ),
    (
        "online_card",
        {"payment_url": "http://pay.example.jp/nagasaki/fee"},
        "payment_url",
        "Enter a full https:// address.",
    ),
]


@pytest.mark.parametrize(
    "method_code, changes, field, message",
    REJECTED,
    ids=[f"{row[0]}-{'-'.join(row[1])}-{i}" for i, row in enumerate(REJECTED)],
)
def test_a_malformed_value_is_refused_on_its_field(errors_of, method_code, changes, field, message):
    errors = errors_of(method_code, **changes)
    assert list(errors) == [field]
    assert message in errors[field]


@pytest.mark.parametrize(
    "method_code, changes",
    [
        ("credit_card", {"fee_rate": "10"}),
        ("credit_card", {"fee_rate": "0"}),
        ("credit_card", {"terminal_ids": "  T-001  \n\nT-002\n"}),
        ("qr_user_scan", {"jpqr_store_id": "A1-B2-C3-D4"}),
        ("qr_user_scan", {"merchant_name_ja": ""}),
        ("convenience_store", {"agent_city_code": "42201", "slip_number_digits": 16}),
        ("convenience_store", {"deadline_rule": "due_date_plus_days", "deadline_days": 14}),
        ("convenience_store", {"deadline_rule": "none"}),
    ],
)
def test_values_at_the_edges_are_accepted(errors_of, method_code, changes):
    assert errors_of(method_code, **changes) == {}


def test_digit_code_and_store_id_messages_are_japanese(make_service_for):
    channel = ServiceChannel(
        service=make_service_for("convenience_store"),
        method=payment_method("convenience_store"),
        **{**valid_config("convenience_store"), "agent_company_code": "12345"},
    )
    with translation.override("ja"), pytest.raises(ValidationError) as refused:
        channel.full_clean()
    assert refused.value.message_dict["agent_company_code"] == [
        "半角数字6桁で入力してください（例: 000001）。"
    ]

    channel = ServiceChannel(
        service=make_service_for("qr_user_scan"),
        method=payment_method("qr_user_scan"),
        **{**valid_config("qr_user_scan"), "jpqr_store_id": "0001-00_02"},
    )
    with translation.override("ja"), pytest.raises(ValidationError) as refused:
        channel.full_clean()
    assert refused.value.message_dict["jpqr_store_id"] == ["店舗IDは半角英数字です。"]


# ---------------------------------------------------------------- routes


def test_a_slip_method_is_refused_for_a_counter_service_naming_the_method(errors_of, make_service):
    counter_fee = make_service(route=Service.Route.COUNTER)
    errors = errors_of("convenience_store", service=counter_fee)
    assert list(errors) == ["method"]
    assert errors["method"] == [
        "コンビニ収納（バーコード） cannot be used for Counter payment: it fits Payment slip only."
    ]


@pytest.mark.parametrize("route", [Service.Route.COUNTER, Service.Route.SLIP])
def test_online_card_payment_is_only_for_e_applications(errors_of, make_service, route):
    errors = errors_of("online_card", service=make_service(route=route))
    assert list(errors) == ["method"]
    assert "it fits E-application only." in errors["method"][0]
    assert errors_of("online_card", service=make_service(route=Service.Route.E_APPLICATION)) == {}


@pytest.mark.parametrize("method_code", ["credit_card", "qr_user_scan"])
def test_a_counter_method_is_refused_for_a_slip(errors_of, make_service, method_code):
    errors = errors_of(method_code, service=make_service(route=Service.Route.SLIP))
    assert list(errors) == ["method"]
    assert payment_method(method_code).name in errors["method"][0]


def test_which_routes_a_method_fits_is_data(errors_of, make_service):
    counter_fee = make_service(route=Service.Route.COUNTER)
    assert "method" in errors_of("convenience_store", service=counter_fee)

    PaymentMethod.objects.filter(code="convenience_store").update(for_counter=True)

    assert errors_of("convenience_store", service=counter_fee) == {}


def test_creating_a_channel_for_a_route_it_does_not_fit_saves_nothing(make_service):
    counter_fee = make_service(route=Service.Route.COUNTER)
    with pytest.raises(ValidationError) as refused:
        channel_create(
            service=counter_fee,
            method=payment_method("convenience_store"),
            **valid_config("convenience_store"),
        )
    assert "method" in refused.value.message_dict
    assert not ServiceChannel.objects.filter(service=counter_fee).exists()


# ---------------------------------------------------------------- fields of other kinds


def test_fields_the_method_does_not_use_are_emptied(make_service_for):
    stale = {
        **valid_config("qr_user_scan"),
        **valid_config("convenience_store"),
        **valid_config("pay_easy"),
        **valid_config("bank_transfer"),
        **valid_config("online_card"),
    }
    channel = channel_create(
        service=make_service_for("credit_card"),
        method=payment_method("credit_card"),
        **{**stale, **valid_config("credit_card")},
    )
    channel.refresh_from_db()

    for name in [
        "jpqr_store_id",
        "mcc",
        "merchant_name",
        "merchant_name_ja",
        "merchant_city",
        "merchant_postal_code",
        "agent_company_code",
        "agent_city_code",
        "deadline_rule",
        "payeasy_institution_code",
        "payeasy_payment_category",
        "consignor_code",
        "payment_url",
    ]:
        assert getattr(channel, name) == "", name
    assert channel.slip_number_digits is None
    assert channel.amount_ceiling is None
    assert channel.configuration() == {
        "merchant_id": "M-0001",
        "terminal_ids": ["T-001", "T-002"],
        "fee_rate": "3.24",
        "settlement_cycle": "monthly",
    }
    # ...and the revision staff and integrators are served from agrees.
    latest = channel.get_latest_revision_as_object()
    assert latest.mcc == "" and latest.amount_ceiling is None


def test_days_after_the_due_date_are_dropped_unless_the_rule_uses_them(make_service_for):
    channel = channel_create(
        service=make_service_for("convenience_store"),
        method=payment_method("convenience_store"),
        **{**valid_config("convenience_store"), "deadline_rule": "due_date", "deadline_days": 7},
    )
    channel.refresh_from_db()
    assert channel.deadline_days is None


def test_a_malformed_value_in_a_field_the_method_does_not_use_does_not_block_saving(
    errors_of,
):
    # The admin hides the other kinds' fields: an error there would be one nobody can see.
    assert (
        errors_of(
            "credit_card",
            mcc="x",
            payment_url="http://pay.example.jp/",
            agent_company_code="1",
            consignor_code="abc",
        )
        == {}
    )
