"""Payment slips in the integrator API: the print vendor and the payment providers fetch a
slip's barcode digits and its barcode and eL-QR images, with the same tokens, scopes,
ETags and error format as the channel routes, and a real scanner (zbarimg) reads the
images back."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import translation

from catalog import roles
from channels.models import IntegratorAccess, PaymentSlip
from channels.services import api_token_issue
from channels.slip_codes import slip_barcode
from tests.channels.test_api import API, Integrator, error_code

CHANNELS_READ = IntegratorAccess.Scope.CHANNELS_READ
ASSETS_READ = IntegratorAccess.Scope.ASSETS_READ
EL_QR = "ELQR-0123456789-長崎市-市県民税"


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    """The throttle counts in the cache: every test starts with a full allowance."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def issue(make_user):
    """``issue(scope, ...)`` → an Integrator with a token of those scopes (all if none)."""
    staff = make_user(roles.SYSTEM_ADMIN)

    def issue(*scopes):
        _access, token = api_token_issue(
            name="印刷業者", user=staff, scopes=list(scopes) or IntegratorAccess.Scope.values
        )
        return Integrator(token)

    return issue


@pytest.fixture
def integrator(issue):
    return issue()


@pytest.fixture
def make_slip(make_channel):
    """A slip of a service with a published convenience-store channel, its barcode made
    as the slip ledger's commit makes it."""
    channel = make_channel("convenience_store", publish=True)

    def make(slip_number="1234567", *, amount=4500, el_qr="", **fields):
        due_date = fields.pop("due_date", dt.date(2024, 5, 3))
        with translation.override("en"):
            data, note = slip_barcode(
                channel=channel,
                slip_number=slip_number,
                amount=amount,
                due_date=due_date,
                reissue_count=0,
            )
        return PaymentSlip.objects.create(
            slip_number=slip_number,
            service=channel.service,
            payer_number=fields.pop("payer_number", "0000123"),
            amount=amount,
            due_date=due_date,
            el_qr=el_qr,
            barcode_data=data,
            barcode_note=note,
            **fields,
        )

    return make


# --- Who may call -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/slips/1234567", "/slips/1234567/assets/barcode.png"])
def test_without_a_token_slips_answer_401(db, path):
    response = Integrator().get(path)
    assert response.status_code == 401
    assert error_code(response) == "unauthorized"
    assert response["WWW-Authenticate"] == "Bearer"


def test_slips_need_channels_read_and_their_images_assets_read(issue, make_slip):
    make_slip("1234567")
    channels_only, assets_only = issue(CHANNELS_READ), issue(ASSETS_READ)

    assert channels_only.get("/slips/1234567").status_code == 200
    refused = assets_only.get("/slips/1234567")
    assert refused.status_code == 403
    assert error_code(refused) == "forbidden"

    assert assets_only.get("/slips/1234567/assets/barcode.png").status_code == 200
    refused = channels_only.get("/slips/1234567/assets/barcode.png")
    assert refused.status_code == 403
    assert error_code(refused) == "forbidden"


# --- The slip ---------------------------------------------------------------------------


def test_a_slip_answers_with_its_values_barcode_and_image_urls(integrator, make_slip):
    slip = make_slip("1234567", el_qr=EL_QR, confirmation_number="5678", reissue_count=1)

    response = integrator.get("/slips/1234567")
    assert response.status_code == 200
    assert response["ETag"]
    body = response.json()
    assets = body.pop("assets")
    assert body == {
        "slip_number": "1234567",
        "service_code": slip.service.code,
        "payer_number": "0000123",
        "amount": 4500,
        "due_date": "2024-05-03",
        "reissue_count": 1,
        "confirmation_number": "5678",
        "barcode_data": slip.barcode_data,
        "barcode_note": "",
    }
    assert len(body["barcode_data"]) == 44
    assert body["barcode_data"][30:36] == "240507"  # due on a holiday: after Golden Week
    base = f"http://testserver{API}/slips/1234567/assets"
    assert assets == [
        {
            "name": "barcode",
            "label": "コンビニ収納バーコード",
            "svg_url": f"{base}/barcode.svg",
            "png_url": f"{base}/barcode.png",
        },
        {
            "name": "el-qr",
            "label": assets[1]["label"],
            "svg_url": f"{base}/el-qr.svg",
            "png_url": f"{base}/el-qr.png",
        },
    ]


def test_a_slip_over_the_ceiling_has_no_barcode_and_says_why(integrator, make_slip):
    make_slip("7654321", amount=300_001)

    body = integrator.get("/slips/7654321").json()
    assert body["barcode_data"] is None
    assert body["barcode_note"] == "¥300,001 is over ¥300,000: no barcode is printed for it."
    assert body["assets"] == []
    assert integrator.get("/slips/7654321/assets/barcode.png").status_code == 404


def test_the_etag_gives_304_until_the_slip_changes(integrator, make_slip):
    slip = make_slip("1234567")
    etag = integrator.get("/slips/1234567")["ETag"]

    again = integrator.get("/slips/1234567", **{"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""

    PaymentSlip.objects.filter(pk=slip.pk).update(amount=5000)
    changed = integrator.get("/slips/1234567", **{"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json()["amount"] == 5000


@pytest.mark.parametrize(
    "path",
    [
        "/slips/9999999",
        "/slips/9999999/assets/barcode.png",
        "/slips/1234567/assets/el-qr.png",  # the slip has no eL-QR
        "/slips/1234567/assets/jpqr.png",
        "/slips/1234567/assets/barcode.gif",
    ],
)
def test_unknown_slips_and_images_are_404_in_the_error_format(path, integrator, make_slip):
    make_slip("1234567")
    response = integrator.get(path)
    assert response.status_code == 404
    assert error_code(response) == "not_found"
    assert "ETag" not in response


# --- Images -------------------------------------------------------------------------------


def test_the_images_are_what_the_slip_says(integrator, make_slip, zbar):
    slip = make_slip("1234567", el_qr=EL_QR)
    listed = {asset["name"]: asset for asset in integrator.get("/slips/1234567").json()["assets"]}

    png = integrator.get(listed["barcode"]["png_url"])
    assert png.status_code == 200
    assert png["Content-Type"] == "image/png"
    assert png["ETag"]
    assert zbar(png.content, "api-slip-barcode") == slip.barcode_data

    svg = integrator.get(listed["barcode"]["svg_url"])
    assert svg.status_code == 200
    assert svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content[:500]

    qr = integrator.get(listed["el-qr"]["png_url"])
    assert qr["Content-Type"] == "image/png"
    assert zbar(qr.content, "api-slip-el-qr") == EL_QR
    assert integrator.get(listed["el-qr"]["svg_url"])["Content-Type"] == "image/svg+xml"


def test_the_schema_lists_the_slip_routes(db):
    paths = Integrator().get("/openapi.json").json()["paths"]
    slip = paths[f"{API}/slips/{{slip_number}}"]["get"]
    assert {"200", "401", "403", "404"} <= set(slip["responses"])
    image = paths[f"{API}/slips/{{slip_number}}/assets/{{name}}.{{fmt}}"]["get"]
    assert set(image["responses"]["200"]["content"]) == {"image/svg+xml", "image/png"}
