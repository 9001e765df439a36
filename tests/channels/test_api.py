"""The integrator API (DESIGN.md §5) as an integrator meets it: bearer tokens with scopes,
expiry, revocation and a rate limit; only published channels, ever; ETags and 304s; the
change feed; filters and paging; and assets that a real scanner (zbarimg) reads back."""

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone
from wagtail.models import APIToken

from catalog import roles
from catalog.models import Service
from channels.models import IntegratorAccess, ServiceChannel
from channels.services import (
    api_token_issue,
    api_token_revoke,
    channel_publish,
    channel_submit,
    channel_unpublish,
    ensure_approval_workflow,
)

API = "/api/v1"
CHANNELS_READ = IntegratorAccess.Scope.CHANNELS_READ
ASSETS_READ = IntegratorAccess.Scope.ASSETS_READ

JPQR = {
    "jpqr_store_id": "0000012345-001",
    "mcc": "9399",
    "merchant_name": "NAGASAKI CITY DEJIMA",
    "merchant_name_ja": "",
    "merchant_city": "Nagasaki",
    "merchant_postal_code": "8500862",
    "fee_rate": "1.98",
    "settlement_cycle": "monthly",
}
SLIP = {
    "agent_company_code": "923456",
    "agent_city_code": "42201",
    "slip_number_digits": 8,
    "deadline_rule": "none",
    "amount_ceiling": 300_000,
}


class Integrator:
    """An integrator's HTTP client: every request carries its bearer token (if any)."""

    def __init__(self, token=None):
        self.token = token
        self.client = Client()

    def get(self, path, data=None, **headers):
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return self.client.get(
            path if path.startswith("http") else API + path, data, headers=headers
        )


def error_code(response):
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"]["message"]
    return body["error"]["code"]


def asset_path(channel, name, fmt):
    return f"/services/{channel.service.code}/channels/{channel.method.code}/assets/{name}.{fmt}"


def channel_path(channel):
    return f"/services/{channel.service.code}/channels/{channel.method.code}"


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    """The throttle counts in the cache: every test starts with a full allowance."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff(make_user):
    return make_user(roles.SYSTEM_ADMIN)


@pytest.fixture
def issue(staff):
    """``issue(scope, ...)`` → ``(access, plaintext)``; all scopes when none are given."""

    def issue(*scopes, **fields):
        return api_token_issue(
            name=fields.pop("name", "印刷業者"),
            user=staff,
            scopes=list(scopes) or IntegratorAccess.Scope.values,
            **fields,
        )

    return issue


@pytest.fixture
def integrator(issue):
    return Integrator(issue()[1])


@pytest.fixture
def jpqr_channel(make_channel):
    return make_channel("qr_user_scan", publish=True, **JPQR)


def served_codes(integrator, **filters):
    """Service codes of the (first page of the) services list."""
    response = integrator.get("/services", {"page_size": 200, **filters})
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["items"]]


def served_methods(integrator, service):
    response = integrator.get(f"/services/{service.code}")
    assert response.status_code == 200
    return [channel["method"] for channel in response.json()["channels"]]


def feed(integrator, **params):
    response = integrator.get("/changes", params)
    assert response.status_code == 200, response.content
    return response.json()


# --- Who may call ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/methods",
        "/services",
        "/services/00001",
        "/services/00001/channels/qr_user_scan",
        "/services/00001/channels/qr_user_scan/assets/jpqr.png",
        "/changes",
    ],
)
def test_without_a_token_every_route_answers_401_with_a_bearer_challenge(db, path):
    response = Integrator().get(path)
    assert response.status_code == 401
    assert error_code(response) == "unauthorized"
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer wagtail_doesnotexist0000000000000000000000000",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "wagtail_doesnotexist",
    ],
)
def test_an_unknown_or_malformed_token_is_401(db, authorization):
    response = Integrator().get("/services", Authorization=authorization)
    assert response.status_code == 401
    assert error_code(response) == "unauthorized"
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_token_works_only_within_its_scopes(issue, jpqr_channel):
    channels_only = Integrator(issue(CHANNELS_READ)[1])
    assets_only = Integrator(issue(ASSETS_READ)[1])
    asset = asset_path(jpqr_channel, "jpqr", "png")
    service = jpqr_channel.service.code
    for path in ["/methods", "/services", f"/services/{service}", channel_path(jpqr_channel)]:
        assert channels_only.get(path).status_code == 200
        refused = assets_only.get(path)
        assert refused.status_code == 403, path
        assert error_code(refused) == "forbidden"
    assert assets_only.get("/changes").status_code == 403
    assert assets_only.get(asset).status_code == 200
    refused = channels_only.get(asset)
    assert refused.status_code == 403
    assert error_code(refused) == "forbidden"


def test_a_revoked_token_stops_working_at_once(issue, staff):
    access, token = issue()
    integrator = Integrator(token)
    assert integrator.get("/services").status_code == 200
    api_token_revoke(access=access, user=staff)
    response = integrator.get("/services")
    assert response.status_code == 401
    assert error_code(response) == "unauthorized"


def test_an_expired_token_is_401(issue):
    access, token = issue(expires_at=timezone.now() + dt.timedelta(days=1))
    integrator = Integrator(token)
    assert integrator.get("/services").status_code == 200
    IntegratorAccess.objects.filter(pk=access.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    response = integrator.get("/services")
    assert response.status_code == 401
    assert error_code(response) == "unauthorized"


@override_settings(INTEGRATOR_API_RATE="3/m")
def test_too_many_requests_get_429_with_retry_after_per_token(issue):
    busy, other = Integrator(issue()[1]), Integrator(issue()[1])
    for _attempt in range(3):
        assert busy.get("/methods").status_code == 200
    refused = busy.get("/services")
    assert refused.status_code == 429
    assert error_code(refused) == "rate_limited"
    assert 0 < int(refused["Retry-After"]) <= 60
    # The limit counts per token: another integrator is not held back.
    assert other.get("/methods").status_code == 200


def test_the_last_use_of_a_token_is_recorded(issue):
    access, token = issue()
    assert access.token.last_used_at is None
    before = timezone.now()
    assert Integrator(token).get("/methods").status_code == 200
    last_used = APIToken.objects.get(pk=access.token_id).last_used_at
    assert last_used is not None and last_used >= before


# --- Only published channels ----------------------------------------------------------


def _draft(make_channel, staff):
    return make_channel("qr_user_scan", publish=False, **JPQR)


def _in_review(make_channel, staff):
    ensure_approval_workflow()
    channel = make_channel("qr_user_scan", publish=False, **JPQR)
    channel_submit(channel=channel, user=staff)
    channel.refresh_from_db()
    assert channel.status == ServiceChannel.Status.IN_REVIEW
    return channel


def _scheduled(make_channel, staff):
    channel = make_channel(
        "qr_user_scan",
        publish=True,
        go_live_at=timezone.now() + dt.timedelta(days=7),
        **JPQR,
    )
    assert channel.status == ServiceChannel.Status.SCHEDULED
    return channel


def _time_comes(channel):
    """Move the scheduled go-live into the past and run Wagtail's scheduler."""
    past = timezone.now() - dt.timedelta(minutes=1)
    revision = channel.revisions.get(approved_go_live_at__isnull=False)
    revision.content["go_live_at"] = past.isoformat()
    revision.approved_go_live_at = past
    revision.save()
    call_command("publish_scheduled")


@pytest.mark.parametrize(
    "hide, reveal",
    [
        (_draft, lambda channel, user: channel_publish(channel=channel, user=user)),
        (_in_review, lambda channel, user: channel_publish(channel=channel, user=user)),
        (_scheduled, lambda channel, user: _time_comes(channel)),
    ],
    ids=["draft", "in_review", "scheduled"],
)
def test_unpublished_channels_appear_nowhere_until_published(
    hide, reveal, make_channel, staff, integrator
):
    channel = hide(make_channel, staff)
    service = channel.service

    assert service.code in served_codes(integrator)  # the service itself is public
    assert service.code not in served_codes(integrator, status="published")
    assert service.code not in served_codes(integrator, method="qr_user_scan")
    assert service.code in served_codes(integrator, status="none")
    assert served_methods(integrator, service) == []
    assert integrator.get(channel_path(channel)).status_code == 404
    missing = integrator.get(asset_path(channel, "jpqr", "png"))
    assert missing.status_code == 404
    assert error_code(missing) == "not_found"
    assert feed(integrator)["items"] == []

    reveal(channel, staff)

    assert service.code in served_codes(integrator, status="published")
    assert service.code not in served_codes(integrator, status="none")
    assert served_methods(integrator, service) == ["qr_user_scan"]
    shown = integrator.get(channel_path(channel))
    assert shown.status_code == 200
    assert shown.json()["configuration"]["merchant_name"] == "NAGASAKI CITY DEJIMA"
    assert integrator.get(asset_path(channel, "jpqr", "png")).status_code == 200
    assert [
        (item["service_code"], item["method"], item["action"]) for item in feed(integrator)["items"]
    ] == [(service.code, "qr_user_scan", "published")]


def _snapshot(integrator, channel):
    """Everything the API says about a channel's service, byte for byte."""
    paths = [
        "/services",
        f"/services/{channel.service.code}",
        channel_path(channel),
        asset_path(channel, "jpqr", "svg"),
        asset_path(channel, "jpqr", "png"),
        "/changes",
    ]
    answers = {}
    for path in paths:
        response = integrator.get(path)
        assert response.status_code == 200, path
        answers[path] = (response.content, response["ETag"])
    return answers


def test_a_draft_edit_of_a_live_channel_changes_nothing_until_published(
    jpqr_channel, staff, integrator, zbar
):
    before = _snapshot(integrator, jpqr_channel)

    draft = ServiceChannel.objects.get(pk=jpqr_channel.pk)
    draft.merchant_name = "NAGASAKI CITY DRAFT"
    draft.save_revision(user=staff)
    assert _snapshot(integrator, jpqr_channel) == before

    ensure_approval_workflow()
    channel_submit(channel=draft, user=staff)  # now in review: still the same
    assert _snapshot(integrator, jpqr_channel) == before

    channel_publish(channel=ServiceChannel.objects.get(pk=jpqr_channel.pk), user=staff)
    published = integrator.get(channel_path(jpqr_channel))
    assert published.json()["configuration"]["merchant_name"] == "NAGASAKI CITY DRAFT"
    png = integrator.get(asset_path(jpqr_channel, "jpqr", "png")).content
    assert "5919NAGASAKI CITY DRAFT" in zbar(png, "edited")
    assert published["ETag"] != before[channel_path(jpqr_channel)][1]


def test_a_scheduled_change_of_a_live_channel_waits_for_its_time(jpqr_channel, staff, integrator):
    before = _snapshot(integrator, jpqr_channel)

    change = ServiceChannel.objects.get(pk=jpqr_channel.pk)
    change.merchant_name = "NAGASAKI CITY LATER"
    change.go_live_at = timezone.now() + dt.timedelta(days=30)
    change.save_revision(user=staff).publish(user=staff)
    assert _snapshot(integrator, jpqr_channel) == before

    _time_comes(jpqr_channel)
    shown = integrator.get(channel_path(jpqr_channel)).json()
    assert shown["configuration"]["merchant_name"] == "NAGASAKI CITY LATER"


# --- ETags ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        lambda channel: "/methods",
        lambda channel: "/services",
        lambda channel: f"/services/{channel.service.code}",
        channel_path,
        lambda channel: asset_path(channel, "jpqr", "svg"),
        lambda channel: asset_path(channel, "jpqr", "png"),
        lambda channel: "/changes",
    ],
    ids=["methods", "services", "service", "channel", "asset-svg", "asset-png", "changes"],
)
def test_every_get_has_an_etag_and_if_none_match_gives_304(path, jpqr_channel, integrator):
    path = path(jpqr_channel)
    first = integrator.get(path)
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag

    again = integrator.get(path, **{"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag

    stale = integrator.get(path, **{"If-None-Match": '"not-the-etag"'})
    assert stale.status_code == 200
    assert stale.content == first.content


def test_errors_carry_no_etag(jpqr_channel, integrator):
    assert "ETag" not in Integrator().get("/services")  # 401
    assert "ETag" not in integrator.get("/services/99999")  # 404


def test_japanese_is_sent_as_utf8_characters(jpqr_channel, integrator):
    body = integrator.get(channel_path(jpqr_channel)).content.decode("utf-8")

    assert jpqr_channel.method.name in body
    assert "\\u" not in body


def test_etags_change_when_a_channel_is_published(jpqr_channel, make_channel, integrator):
    service = jpqr_channel.service
    paths = ["/services", f"/services/{service.code}", "/changes"]
    etags = {path: integrator.get(path)["ETag"] for path in paths}

    make_channel("credit_card", service=service, publish=True)

    for path in paths:
        response = integrator.get(path, **{"If-None-Match": etags[path]})
        assert response.status_code == 200, path
        assert response["ETag"] != etags[path]


def test_a_channels_etag_changes_when_it_is_published_again(jpqr_channel, staff, integrator):
    path = channel_path(jpqr_channel)
    etag = integrator.get(path)["ETag"]
    channel_unpublish(channel=jpqr_channel, user=staff)
    assert integrator.get(path, **{"If-None-Match": etag}).status_code == 404
    channel_publish(channel=ServiceChannel.objects.get(pk=jpqr_channel.pk), user=staff)
    response = integrator.get(path, **{"If-None-Match": etag})
    assert response.status_code == 200
    assert response["ETag"] != etag


# --- The change feed ----------------------------------------------------------------------


def test_the_feed_lists_publish_and_unpublish_in_order(make_channel, staff, integrator):
    first = make_channel("qr_user_scan", publish=True, **JPQR)
    second = make_channel("convenience_store", publish=True, **SLIP)
    channel_unpublish(channel=first, user=staff)

    answer = feed(integrator)
    assert [(item["service_code"], item["method"], item["action"]) for item in answer["items"]] == [
        (first.service.code, "qr_user_scan", "published"),
        (second.service.code, "convenience_store", "published"),
        (first.service.code, "qr_user_scan", "unpublished"),
    ]
    cursors = [item["cursor"] for item in answer["items"]]
    assert cursors == sorted(cursors) and len(set(cursors)) == 3
    assert answer["next_cursor"] == cursors[-1]
    assert answer["has_more"] is False
    occurred = [dt.datetime.fromisoformat(item["occurred_at"]) for item in answer["items"]]
    assert occurred == sorted(occurred)

    # A poller that remembers the cursor gets only what came after it.
    channel_publish(channel=ServiceChannel.objects.get(pk=first.pk), user=staff)
    later = feed(integrator, since=answer["next_cursor"])
    assert [(item["service_code"], item["action"]) for item in later["items"]] == [
        (first.service.code, "published")
    ]
    assert later["items"][0]["cursor"] > cursors[-1]
    nothing = feed(integrator, since=later["next_cursor"])
    assert nothing == {"items": [], "next_cursor": later["next_cursor"], "has_more": False}


def test_since_and_limit_page_through_the_feed(make_channel, staff, integrator):
    channels = [make_channel("credit_card", publish=True) for _ in range(3)]
    for channel in channels[:2]:
        channel_unpublish(channel=channel, user=staff)
    everything = feed(integrator)["items"]
    assert len(everything) == 5

    pages, since = [], 0
    while True:
        page = feed(integrator, since=since, limit=2)
        pages.append(page)
        since = page["next_cursor"]
        if not page["has_more"]:
            break
    assert [len(page["items"]) for page in pages] == [2, 2, 1]
    assert [page["has_more"] for page in pages] == [True, True, False]
    assert [item for page in pages for item in page["items"]] == everything
    assert pages[0]["next_cursor"] == pages[0]["items"][-1]["cursor"]


def test_an_expired_channel_appears_in_the_feed_as_expired(jpqr_channel, integrator):
    since = feed(integrator)["next_cursor"]
    ServiceChannel.objects.filter(pk=jpqr_channel.pk).update(
        expire_at=timezone.now() - dt.timedelta(minutes=1)
    )
    call_command("publish_scheduled")

    answer = feed(integrator, since=since)
    assert [(item["service_code"], item["method"], item["action"]) for item in answer["items"]] == [
        (jpqr_channel.service.code, "qr_user_scan", "expired")
    ]
    assert integrator.get(channel_path(jpqr_channel)).status_code == 404
    assert served_methods(integrator, jpqr_channel.service) == []


# --- Filters and paging -----------------------------------------------------------------


def test_services_filter_by_department(two_departments, integrator):
    ours, theirs = two_departments["our_service"], two_departments["their_service"]
    assert served_codes(integrator, department=two_departments["ours"].code) == [ours.code]
    assert served_codes(integrator, department=two_departments["theirs"].code) == [theirs.code]
    assert set(served_codes(integrator)) >= {ours.code, theirs.code}
    item = integrator.get("/services", {"department": two_departments["ours"].code}).json()
    assert item["items"][0]["department"]["code"] == two_departments["ours"].code
    assert item["items"][0]["facility"]["name"] == "出島"


def test_services_filter_by_method_and_status(make_channel, make_service, integrator):
    qr = make_channel("qr_user_scan", publish=True, **JPQR).service
    card = make_channel("credit_card", publish=True).service
    draft_qr = make_channel("qr_user_scan", service=card, publish=False, **JPQR).service
    bare = make_service()

    assert served_codes(integrator, method="qr_user_scan") == [qr.code]
    assert served_codes(integrator, method="credit_card") == [card.code]
    assert draft_qr == card
    assert served_codes(integrator, method="pay_easy") == []
    assert served_codes(integrator, status="published") == sorted([qr.code, card.code])
    assert served_codes(integrator, status="none") == [bare.code]
    assert served_codes(integrator) == sorted([qr.code, card.code, bare.code])


def test_services_filter_by_updated_since(make_channel, make_service, integrator):
    quiet = make_service()
    channel = make_channel("credit_card", publish=False)
    renamed = make_service()
    long_ago = timezone.now() - dt.timedelta(days=30)
    Service.objects.update(updated_at=long_ago)
    cutoff = timezone.now()

    channel_publish(channel=channel)  # a channel change counts for its service
    renamed.name = "新しい名前"
    renamed.save()  # and so does a change to the service's record

    assert served_codes(integrator, updated_since=cutoff.isoformat()) == sorted(
        [channel.service.code, renamed.code]
    )
    assert quiet.code in served_codes(integrator, updated_since=long_ago.isoformat())
    in_japan = cutoff.astimezone(dt.timezone(dt.timedelta(hours=9))).isoformat()
    assert served_codes(integrator, updated_since=in_japan) == sorted(
        [channel.service.code, renamed.code]
    )


def test_services_are_paged_in_code_order(make_service, integrator):
    codes = sorted(make_service().code for _ in range(5))

    pages = [
        integrator.get("/services", {"page": page, "page_size": 2}).json() for page in (1, 2, 3)
    ]
    assert [page["count"] for page in pages] == [5, 5, 5]
    assert [page["page"] for page in pages] == [1, 2, 3]
    assert [page["page_size"] for page in pages] == [2, 2, 2]
    assert [item["code"] for page in pages for item in page["items"]] == codes
    beyond = integrator.get("/services", {"page": 4, "page_size": 2}).json()
    assert beyond["items"] == [] and beyond["count"] == 5
    default = integrator.get("/services").json()
    assert default["page"] == 1 and default["page_size"] == 50


@pytest.mark.parametrize(
    "path, params",
    [
        ("/services", {"page": 0}),
        ("/services", {"page": "one"}),
        ("/services", {"page_size": 0}),
        ("/services", {"page_size": 201}),
        ("/services", {"department": "12"}),
        ("/services", {"department": "１２３"}),
        ("/services", {"status": "draft"}),
        ("/services", {"updated_since": "yesterday"}),
        ("/services", {"updated_since": "1700000000"}),  # not a Unix time
        ("/services", {"updated_since": "2024-04-01T00:00:00"}),  # no offset: ambiguous
        ("/changes", {"since": -1}),
        ("/changes", {"limit": 0}),
        ("/changes", {"limit": 501}),
    ],
)
def test_a_bad_parameter_is_422_invalid_request(path, params, integrator):
    response = integrator.get(path, params)
    assert response.status_code == 422
    assert error_code(response) == "invalid_request"
    assert next(iter(params)) in response.json()["error"]["message"]


def test_unknown_services_channels_and_assets_are_404(jpqr_channel, integrator):
    code = jpqr_channel.service.code
    for path in [
        "/services/99999",
        f"/services/{code}/channels/pay_easy",
        f"/services/{code}/channels/no_such_method",
        asset_path(jpqr_channel, "barcode-specimen", "png"),
        asset_path(jpqr_channel, "jpqr", "gif"),
    ]:
        response = integrator.get(path)
        assert response.status_code == 404, path
        assert error_code(response) == "not_found"


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/no-such-route"),
        ("get", "/services/"),
        ("post", "/services"),
        ("delete", "/changes"),
        ("put", "/services/00001/channels/qr_user_scan"),
    ],
)
def test_unknown_addresses_and_methods_answer_in_the_json_error_format(method, path, integrator):
    response = getattr(integrator.client, method)(
        API + path, headers={"Authorization": f"Bearer {integrator.token}"}
    )
    expected = 404 if method == "get" else 405
    assert response.status_code == expected
    assert error_code(response) == {404: "not_found", 405: "method_not_allowed"}[expected]
    if expected == 405:
        assert response["Allow"] == "GET"


def test_the_admin_keeps_its_own_error_pages(admin_client):
    response = admin_client.get("/admin/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


# --- Assets -----------------------------------------------------------------------------


def test_a_channel_lists_its_assets_with_working_urls(jpqr_channel, integrator, zbar):
    channel = integrator.get(channel_path(jpqr_channel)).json()
    assert [asset["name"] for asset in channel["assets"]] == ["jpqr"]
    asset = channel["assets"][0]
    assert asset["svg_url"] == f"http://testserver{API}{asset_path(jpqr_channel, 'jpqr', 'svg')}"

    svg = integrator.get(asset["svg_url"])
    assert svg.status_code == 200
    assert svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content[:500]

    png = integrator.get(asset["png_url"])
    assert png.status_code == 200
    assert png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert zbar(png.content, "jpqr") == jpqr_channel.jpqr_static_payload()


def test_a_jpqr_asset_carries_the_configured_static_payload(make_channel, integrator, zbar):
    channel = make_channel(
        "qr_user_scan", publish=True, **{**JPQR, "merchant_name_ja": "長崎市 出島"}
    )
    png = integrator.get(asset_path(channel, "jpqr", "png"))
    decoded = zbar(png.content, "jpqr-ja")
    assert decoded == channel.jpqr_static_payload()
    assert decoded.startswith("000201010211")  # static
    assert "0019jp.or.paymentsjapan" in decoded
    assert "長崎市 出島" in decoded


def test_a_convenience_store_channel_has_a_readable_specimen_barcode(
    make_channel, make_service, integrator, zbar
):
    service = make_service(route=Service.Route.SLIP, kind=Service.Kind.TAX, standard_amount=4500)
    channel = make_channel("convenience_store", service=service, publish=True, **SLIP)
    listed = integrator.get(channel_path(channel)).json()["assets"]
    assert [asset["name"] for asset in listed] == ["barcode-specimen"]

    png = integrator.get(listed[0]["png_url"])
    assert png["Content-Type"] == "image/png"
    digits = zbar(png.content, "specimen")
    assert len(digits) == 44 and digits.isdigit()
    assert digits.startswith("91" + SLIP["agent_company_code"])
    assert digits[8:13] == SLIP["agent_city_code"]
    assert digits[37:43] == "004500"  # the service's standard amount

    svg = integrator.get(listed[0]["svg_url"])
    assert svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content[:500]


def test_channels_without_assets_list_none(make_channel, integrator):
    channel = make_channel("credit_card", publish=True)
    answer = integrator.get(channel_path(channel)).json()
    assert answer["assets"] == []
    assert answer["configuration"]["terminal_ids"] == ["T-001", "T-002"]


# --- The schema ---------------------------------------------------------------------------


def test_the_openapi_schema_is_public_and_lists_the_routes(db):
    response = Integrator().get("/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert {
        f"{API}/methods",
        f"{API}/services",
        f"{API}/services/{{code}}",
        f"{API}/services/{{code}}/channels/{{method}}",
        f"{API}/services/{{code}}/channels/{{method}}/assets/{{name}}.{{fmt}}",
        f"{API}/changes",
    } <= set(schema["paths"])
    services = schema["paths"][f"{API}/services"]["get"]
    assert {"200", "401", "403", "422", "429"} <= set(services["responses"])
    assert any(scheme.get("scheme") == "bearer" for scheme in _security_schemes(schema))


def _security_schemes(schema):
    return schema.get("components", {}).get("securitySchemes", {}).values()


def test_a_filter_value_no_code_can_have_is_422_not_a_server_error(integrator):
    # PostgreSQL refuses NUL bytes outright; the format is checked before any lookup.
    response = integrator.get("/services", {"method": "qr\x00"})

    assert response.status_code == 422
    assert response.json()["error"]["code"]


@pytest.mark.parametrize(
    "path", ["/services/1000\x00", "/services/10001/channels/qr\x00", "/slips/1\x00"]
)
def test_a_path_no_code_can_have_is_refused_not_a_server_error(integrator, path):
    response = integrator.get(path)

    assert response.status_code in (404, 422)
    assert response.json()["error"]["code"]
