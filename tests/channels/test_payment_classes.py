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
from workflows.services import plan_create

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


@pytest.mark.parametrize(
    ("code", "refused", "allowed"),
    [
        ("credit_card", [PaymentClass.CASH, PaymentClass.ACCOUNT], []),  # always cashless
        ("convenience_store", [PaymentClass.CASH], [PaymentClass.CASHLESS]),
        ("pay_easy", [PaymentClass.CONVENIENCE_STORE], [PaymentClass.CASHLESS]),
        ("cash_counter", [PaymentClass.CASHLESS], []),  # never a channel, so always cash
    ],
)
def test_a_method_is_counted_only_as_what_its_kind_can_be(db, code, refused, allowed):
    method = PaymentMethod.objects.get(code=code)
    for payment_class in refused:
        method.payment_class = payment_class
        with translation.override("en"), pytest.raises(ValidationError) as raised:
            method.full_clean()
        assert "can only be counted as" in raised.value.message_dict["payment_class"][0]
    for payment_class in allowed:
        method.payment_class = payment_class
        method.full_clean()


def test_the_settings_refuse_a_new_method_and_a_class_the_method_cannot_be(make_user, client):
    client.force_login(make_user(roles.SYSTEM_ADMIN))
    assert client.get(reverse("payment_methods:add")).status_code == 302  # not allowed
    card = PaymentMethod.objects.get(code="credit_card")
    form = {
        "name": card.name,
        "payment_class": PaymentClass.ACCOUNT,
        "for_counter": "on",
        "sort_order": card.sort_order,
    }
    response = client.post(reverse("payment_methods:edit", args=[card.pk]), form)
    assert response.status_code == 200  # the form again, with the reason
    assert "としてのみ数えられます" in response.content.decode()
    card.refresh_from_db()
    assert card.payment_class == PaymentClass.CASHLESS


def test_a_wave_never_switches_cash_on(db):
    with pytest.raises(ValidationError) as raised:
        plan_create(
            name="現金の波",
            methods=[PaymentMethod.objects.get(code="cash_counter")],
            services=[],
        )
    assert "methods" in raised.value.message_dict
    assert not RolloutPlan.objects.filter(name="現金の波").exists()


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
