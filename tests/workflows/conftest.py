"""Rollout factories shared by the workflow tests.

``wave`` is a counter-payment wave of two credit-card services in one department (the
first the pilot), each with a draft channel ready; ``preparing`` is such a wave still in
preparation; ``requester`` administers that department; ``approver``, ``second_approver``
and ``finance_requester`` are finance. ``ask`` asks for a move, ``clock_at`` sets the time,
``served_methods`` reads what the integrator API serves.
"""

import contextlib
from unittest import mock

import pytest
from django.test import Client

from catalog import roles
from channels.models import IntegratorAccess, PaymentMethod
from channels.services import api_token_issue
from tests.channels import conftest as channel_fixtures
from workflows.phases import Phase
from workflows.services import move_request, plan_create

# The channel factories, shared with the channel tests.
make_channel = channel_fixtures.make_channel
make_service_for = channel_fixtures.make_service_for


@pytest.fixture
def department(make_department):
    return make_department(name="観光施設課")


@pytest.fixture
def make_wave(db, make_service_for, make_channel, department):
    """``make_wave(phase=..., services=2, pilot=1, channels=True, in_department=None)``: a
    wave of credit-card services in ``department`` (or ``in_department``) with draft
    channels (unless ``channels`` is false)."""

    def make(
        *,
        phase=Phase.PILOT,
        services=2,
        pilot=1,
        channels=True,
        name="窓口キャッシュレス",
        in_department=None,
    ):
        owner = in_department or department
        made = [make_service_for("credit_card", department=owner) for _ in range(services)]
        if channels:
            for service in made:
                make_channel("credit_card", service=service)
        return plan_create(
            name=name,
            methods=[PaymentMethod.objects.get(code="credit_card")],
            services=[(service, index < pilot) for index, service in enumerate(made)],
            phase=phase,
        )

    return make


@pytest.fixture
def wave(make_wave):
    return make_wave()


@pytest.fixture
def requester(make_user, department):
    return make_user(roles.DEPARTMENT_ADMIN, departments=[department])


@pytest.fixture
def approver(make_user):
    return make_user(roles.FINANCE)


@pytest.fixture
def second_approver(make_user):
    return make_user(roles.FINANCE)


@pytest.fixture
def preparing(make_wave):
    """A wave in preparation: its pilot service's channel is ready but off."""
    return make_wave(phase=Phase.PREPARATION)


@pytest.fixture
def finance_requester(make_user):
    return make_user(roles.FINANCE)


@pytest.fixture
def served_methods(make_user):
    """``served_methods(service)``: the methods the integrator API serves for a service."""
    _access, token = api_token_issue(
        name="決済代行業者",
        user=make_user(roles.SYSTEM_ADMIN),
        scopes=[IntegratorAccess.Scope.CHANNELS_READ],
    )
    client = Client(headers={"Authorization": f"Bearer {token}"})

    def served(service):
        response = client.get(f"/api/v1/services/{service.code}")
        assert response.status_code == 200, response.content
        return [channel["method"] for channel in response.json()["channels"]]

    return served


def ask(wave, user, to_phase=Phase.PILOT, **fields):
    """Ask to move ``wave`` (to the pilot unless told), with a reason unless given."""
    fields.setdefault("reason", "出島で先行導入を始める")
    return move_request(plan=wave, to_phase=to_phase, user=user, **fields)


@contextlib.contextmanager
def clock_at(moment):
    """Let ``timezone.now()`` answer ``moment`` (everything that asks it at call time)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield
