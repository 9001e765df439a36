"""Rollout factories shared by the workflow tests.

``wave`` is a counter-payment wave of two credit-card services in one department (the
first the pilot), each with a draft channel ready; ``requester`` administers that
department; ``approver`` and ``second_approver`` are finance.
"""

import pytest

from channels.models import PaymentMethod
from tests.channels import conftest as channel_fixtures
from workflows.phases import Phase
from workflows.services import plan_create

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
    from catalog import roles

    return make_user(roles.DEPARTMENT_ADMIN, departments=[department])


@pytest.fixture
def approver(make_user):
    from catalog import roles

    return make_user(roles.FINANCE)


@pytest.fixture
def second_approver(make_user):
    from catalog import roles

    return make_user(roles.FINANCE)
