"""Payment classes and the cash methods: cash is recorded in collection results, never
switched on as a channel, a wave's method or listed to integrators."""

import pytest
from django.core.exceptions import ValidationError
from django.forms import modelform_factory
from django.urls import reverse
from django.utils import translation

from catalog import roles
from catalog.models import Service
from channels.models import PaymentClass, PaymentMethod, ServiceChannel
from channels.services import api_token_issue
from channels.setup import PAYMENT_METHODS
from tests.channels.test_api import Integrator
from workflows.models import RolloutPlan

CASH = ["cash_counter", "cash_bank"]


def test_every_seeded_method_has_the_class_the_policy_counts_it_by(db):
    classes = dict(PaymentMethod.objects.values_list("code", "payment_class"))
    assert len(classes) == len(PAYMENT_METHODS) == 11
    assert {code for code, cls in classes.items() if cls == PaymentClass.CASH} == set(CASH)
    assert classes["convenience_store"] == PaymentClass.CONVENIENCE_STORE
    assert classes["pay_easy"] == classes["bank_transfer"] == PaymentClass.ACCOUNT
    cashless = {code for code, cls in classes.items() if cls == PaymentClass.CASHLESS}
    assert cashless == {
        "credit_card",
        "e_money",
        "qr_store_scan",
        "qr_user_scan",
        "smartphone_slip",
        "online_card",
    }


@pytest.mark.parametrize("code", CASH)
def test_a_cash_method_is_refused_as_a_channel_with_the_reason(make_service, code):
    service = make_service(route=Service.Route.SLIP, kind=Service.Kind.TAX)
    channel = ServiceChannel(service=service, method=PaymentMethod.objects.get(code=code))
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        channel.full_clean()
    messages = " ".join(raised.value.message_dict["method"])
    assert "is cash: it is recorded in collection results" in messages


def test_a_method_cannot_be_made_cash_while_it_has_a_configuration_kind(db):
    method = PaymentMethod.objects.get(code="credit_card")
    method.payment_class = PaymentClass.CASH
    with pytest.raises(ValidationError) as raised:
        method.full_clean()
    assert "payment_class" in raised.value.message_dict
    method.payment_class = PaymentClass.ACCOUNT  # between non-cash classes: fine
    method.full_clean()


def test_integrators_are_not_offered_the_cash_methods(make_user):
    staff = make_user(roles.SYSTEM_ADMIN)
    _access, token = api_token_issue(name="印刷業者", user=staff, scopes=["channels:read"])
    codes = {method["code"] for method in Integrator(token).get("/methods").json()}
    assert len(codes) == 9 and not codes & set(CASH)


def test_the_channel_and_wave_forms_do_not_offer_cash(db):
    channel_form = modelform_factory(ServiceChannel, fields=["method"])()
    wave_form = modelform_factory(RolloutPlan, fields=["methods"])()
    for queryset in (channel_form.fields["method"].queryset, wave_form.fields["methods"].queryset):
        codes = set(queryset.values_list("code", flat=True))
        assert len(codes) == 9 and not codes & set(CASH)


def test_the_payment_method_settings_show_the_class(admin_client):
    response = admin_client.get(reverse("payment_methods:index"))
    assert response.status_code == 200
    assert "キャッシュレス決済" in response.content.decode()
