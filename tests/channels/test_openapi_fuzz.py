"""The integrator API against its own OpenAPI schema: schemathesis generates requests for
every operation (valid and invalid parameters) and checks that no answer is a server error
and every answer matches what the schema declares (status code, content type, body).

Random path parameters almost never name a real service, so a second test walks the demo
data — every published channel and each of its assets, and a few payment slips with theirs
— and checks those answers too."""

import datetime as dt
import io

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.config import SchemathesisConfig

from catalog import roles
from channels import selectors
from channels.channel_assets import FORMATS, channel_assets
from channels.configuration import ConfigKind
from channels.models import IntegratorAccess, PaymentSlip, ServiceChannel
from channels.services import api_token_issue
from channels.slip_codes import slip_assets, slip_barcode

# Undeclared query parameters are ignored, as most APIs do and OpenAPI allows, so they are
# not sent as "invalid" data; the same examples every run, so `make test` never flakes.
CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {
            "allow-extra-parameters": False,
            "with-security-parameters": False,
            "deterministic": True,
        }
    }
)
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", get_wsgi_application(), config=CONFIG
)
PREFIX = "/api/v1"


@pytest.fixture
def keep_the_test_connection():
    """Schemathesis calls Django's real WSGI handler, whose request_finished signal closes
    "old" database connections: that would close the test's transaction (PostgreSQL).
    Django's own test client switches it off around each request; so do we."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(db, keep_the_test_connection, make_user, settings):
    """An all-scopes token over the demo catalog and channels (published, draft, in review,
    scheduled), with a rate limit high enough that the run is never throttled."""
    settings.INTEGRATOR_API_RATE = "100000/m"
    cache.clear()
    call_command("load_demo", stdout=io.StringIO())
    assert ServiceChannel.objects.filter(live=True).exists()
    assert ServiceChannel.objects.filter(live=False).exists()
    _make_slips()
    _access, plaintext = api_token_issue(
        name="schemathesis",
        user=make_user(roles.SYSTEM_ADMIN),
        scopes=IntegratorAccess.Scope.values,
    )
    return plaintext


def _make_slips():
    """Slips of a demo service with a published barcode channel: one with a barcode and an
    eL-QR string, one over the ceiling with neither (the demo data has no slips)."""
    slip_channel = (
        selectors.published_channels()
        .filter(method__config_kind=ConfigKind.SLIP_BARCODE)
        .select_related("service")
        .first()
    )
    for number, (amount, el_qr) in enumerate([(4500, "ELQR-0001-長崎市"), (300_001, "")], 1):
        data, note = slip_barcode(
            channel=slip_channel,
            slip_number=str(number),
            amount=amount,
            due_date=dt.date(2024, 5, 31),
            reissue_count=0,
        )
        PaymentSlip.objects.create(
            slip_number=str(number),
            service=slip_channel.service,
            payer_number="0001",
            amount=amount,
            due_date=dt.date(2024, 5, 31),
            el_qr=el_qr,
            barcode_data=data,
            barcode_note=note,
        )


@schema.parametrize()
@hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_generated_requests_get_answers_the_schema_declares(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})


def test_every_published_channel_and_asset_answers_as_declared(token):
    headers = {"Authorization": f"Bearer {token}"}
    calls = [
        ("/services", {}, {"status": "published", "page_size": 200}),
        ("/services", {}, {"status": "none", "page_size": 200}),
        ("/changes", {}, {"limit": 500}),
        ("/methods", {}, {}),
    ]
    kinds = set()
    for channel in selectors.published_channels().select_related("service"):
        names = {"code": channel.service.code, "method": channel.method.code}
        calls += [
            ("/services/{code}", {"code": names["code"]}, {}),
            ("/services/{code}/channels/{method}", names, {}),
        ]
        for asset in channel_assets(channel):
            kinds.add(channel.method.config_kind)
            calls += [
                (
                    "/services/{code}/channels/{method}/assets/{name}.{fmt}",
                    {**names, "name": asset, "fmt": fmt},
                    {},
                )
                for fmt in FORMATS
            ]
    assert {"jpqr", "slip_barcode"} <= kinds  # the demo has assets to check
    for slip in PaymentSlip.objects.all():
        calls.append(("/slips/{slip_number}", {"slip_number": slip.slip_number}, {}))
        for asset in slip_assets(slip):
            kinds.add(f"slip:{asset}")
            calls += [
                (
                    "/slips/{slip_number}/assets/{name}.{fmt}",
                    {"slip_number": slip.slip_number, "name": asset, "fmt": fmt},
                    {},
                )
                for fmt in FORMATS
            ]
    assert {"slip:barcode", "slip:el-qr"} <= kinds

    for path, path_parameters, query in calls:
        case = schema[PREFIX + path]["GET"].Case(path_parameters=path_parameters, query=query)
        response = case.call_and_validate(headers=headers)
        assert response.status_code == 200, (path, path_parameters, response.text[:200])
