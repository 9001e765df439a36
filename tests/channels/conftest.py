"""Channel factories shared by the channel tests.

``make_channel(method_code, ...)`` builds a channel through
:func:`channels.services.channel_create` (so it gets its first revision, and a published
one fires the change feed) with a valid configuration of its method's kind, on a service of
a route the method fits unless a service is given.
"""

import pytest
from django.urls import reverse

from catalog.models import Service
from channels.configuration import CONFIG_FIELDS, ConfigKind
from channels.models import PaymentMethod, ServiceChannel
from channels.services import channel_create

# A valid configuration of each kind, as ``channel_create`` takes it.
VALID_CONFIG = {
    ConfigKind.TERMINAL: {
        "merchant_id": "M-0001",
        "terminal_ids": "T-001\nT-002",
        "fee_rate": "3.24",
        "settlement_cycle": "monthly",
    },
    ConfigKind.JPQR: {
        "jpqr_store_id": "0000000001-0000000002",
        "mcc": "9399",
        "merchant_name": "NAGASAKI CITY DEJIMA",
        "merchant_name_ja": "出島",
        "merchant_city": "Nagasaki",
        "merchant_postal_code": "8500862",
        "fee_rate": "3.24",
        "settlement_cycle": "monthly",
    },
    ConfigKind.SLIP_BARCODE: {
        "agent_company_code": "912345",
        "agent_city_code": "42201",
        "slip_number_digits": 10,
        "deadline_rule": "due_date",
        "amount_ceiling": 300_000,
    },
    ConfigKind.PAY_EASY: {
        "payeasy_institution_code": "01234",
        "payeasy_payment_category": "001",
    },
    ConfigKind.BANK_TRANSFER: {"consignor_code": "0123456789"},
    ConfigKind.ONLINE: {
        "payment_url": "https://pay.example.jp/nagasaki/fee",
        "fee_rate": "2.50",
        "settlement_cycle": "semimonthly",
    },
}

# A route each kind fits (as the seeded payment methods have it).
ROUTE_OF_KIND = {
    ConfigKind.TERMINAL: Service.Route.COUNTER,
    ConfigKind.JPQR: Service.Route.COUNTER,
    ConfigKind.SLIP_BARCODE: Service.Route.SLIP,
    ConfigKind.PAY_EASY: Service.Route.SLIP,
    ConfigKind.BANK_TRANSFER: Service.Route.SLIP,
    ConfigKind.ONLINE: Service.Route.E_APPLICATION,
}

# A kind of service each route carries (for readable test data only).
SERVICE_KIND_OF_ROUTE = {
    Service.Route.COUNTER: Service.Kind.CERTIFICATE_FEE,
    Service.Route.SLIP: Service.Kind.TAX,
    Service.Route.E_APPLICATION: Service.Kind.OTHER_FEE,
}


def payment_method(code):
    """A seeded payment method by its code (``credit_card``, ``qr_user_scan``, …)."""
    return PaymentMethod.objects.get(code=code)


def valid_config(method_code):
    """A fresh copy of a valid configuration for the method's kind."""
    return dict(VALID_CONFIG[ConfigKind(payment_method(method_code).config_kind)])


def snippet_url(model, name, *args):
    """The admin URL of one of a snippet viewset's views."""
    return reverse(model.snippet_viewset.get_url_name(name), args=args or None)


def channel_form(service, method_code, **changes):
    """What the admin's channel form posts: every configuration field (empty unless the
    method's valid configuration or ``changes`` fill it), the service, the method and the
    publishing schedule. Add ``"action-submit": "1"`` etc. for the footer's buttons."""
    data = dict.fromkeys(CONFIG_FIELDS, "")
    data.update(
        service=service.pk,
        method=payment_method(method_code).pk,
        go_live_at="",
        expire_at="",
    )
    data.update(
        {name: "" if value is None else value for name, value in valid_config(method_code).items()}
    )
    data.update(changes)
    return data


@pytest.fixture
def make_service_for(make_service):
    """A service whose route fits ``method_code`` (in ``department`` when given)."""

    def make(method_code, **fields):
        route = ROUTE_OF_KIND[ConfigKind(payment_method(method_code).config_kind)]
        fields.setdefault("route", route)
        fields.setdefault("kind", SERVICE_KIND_OF_ROUTE[fields["route"]])
        return make_service(**fields)

    return make


@pytest.fixture
def make_channel(db, make_service_for):
    """``make_channel("credit_card", service=..., publish=True, go_live_at=..., **config)``.

    The configuration is a valid one of the method's kind, with ``config`` overriding it.
    """

    def make(
        method_code="credit_card",
        *,
        service=None,
        publish=False,
        go_live_at=None,
        user=None,
        **config,
    ) -> ServiceChannel:
        if service is None:
            service = make_service_for(method_code)
        return channel_create(
            service=service,
            method=payment_method(method_code),
            publish=publish,
            go_live_at=go_live_at,
            user=user,
            **{**valid_config(method_code), **config},
        )

    return make
