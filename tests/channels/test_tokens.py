"""Integrator tokens: issued by ``manage.py issue_api_token`` or in the admin, shown once,
stored as a digest, scoped, expiring and revocable; only system administrators manage them.
"""

import datetime as dt
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.models import APIToken

from channels.models import IntegratorAccess
from channels.services import api_token_issue, api_token_revoke

SERVICES = "/api/v1/services"


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def issue_by_command(*args):
    """Run the command; returns (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("issue_api_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def stored_values():
    """Every value of every token row the database holds, as text."""
    rows = list(APIToken.objects.values()) + list(IntegratorAccess.objects.values())
    return [str(value) for row in rows for value in row.values()]


def shown_token(html):
    found = re.search(r'id="api-token-value" value="([^"]+)"', html)
    assert found, "no token on the page"
    return found.group(1)


# ---------------------------------------------------------------- the command


def test_the_command_prints_a_token_that_lists_the_services(client, system_admin):
    before = timezone.now()
    out, err = issue_by_command(
        "基幹税務システム", "--scope", "channels:read", "--user", system_admin.username
    )
    after = timezone.now()

    token = out.strip()
    assert token and "\n" not in token
    assert "基幹税務システム" in err and token not in err  # the notice goes to stderr

    response = client.get(SERVICES, **bearer(token))
    assert response.status_code == 200

    access = IntegratorAccess.objects.get()
    assert access.token.name == "基幹税務システム"
    assert access.scopes == ["channels:read"]
    assert access.issued_by == system_admin
    assert before + dt.timedelta(days=365) <= access.expires_at <= after + dt.timedelta(days=365)
    # Only a digest is kept: the plaintext is nowhere in the database.
    assert not any(token in value for value in stored_values())


def test_the_command_grants_several_scopes_and_a_chosen_lifetime(client, system_admin):
    before = timezone.now()
    issue_by_command(
        "印刷業者",
        "--scope",
        "assets:read",
        "--scope",
        "channels:read",
        "--days",
        "30",
        "--user",
        system_admin.username,
    )
    access = IntegratorAccess.objects.get()
    assert access.scopes == ["assets:read", "channels:read"]
    assert before + dt.timedelta(days=30) <= access.expires_at
    assert access.expires_at <= timezone.now() + dt.timedelta(days=30)


def test_a_token_without_the_scope_is_refused(client, system_admin):
    out, _err = issue_by_command(
        "印刷業者", "--scope", "assets:read", "--user", system_admin.username
    )
    response = client.get(SERVICES, **bearer(out.strip()))
    assert response.status_code == 403


@pytest.mark.parametrize(
    "args",
    [
        ["--scope", "channels:write"],
        ["--scope", "channels:read", "--days", "0"],
        ["--scope", "channels:read", "--days", "-5"],
        ["--scope", "channels:read", "--user", "nobody-by-that-name"],
    ],
    ids=["unknown scope", "zero days", "negative days", "unknown user"],
)
def test_the_command_refuses_bad_arguments_and_issues_nothing(system_admin, args):
    if "--user" not in args:
        args = [*args, "--user", system_admin.username]
    with pytest.raises(CommandError):
        issue_by_command("印刷業者", *args)
    assert not APIToken.objects.exists()
    assert not IntegratorAccess.objects.exists()


def test_the_command_explains_a_bad_lifetime_and_an_unknown_user(system_admin):
    user = ["--user", system_admin.username]
    with translation.override("en"):
        with pytest.raises(CommandError) as refused:
            issue_by_command("x", "--scope", "channels:read", "--days", "0", *user)
        assert str(refused.value) == "--days must be 1 or more."
        with pytest.raises(CommandError) as refused:
            issue_by_command("x", "--scope", "channels:read", "--user", "nobody")
        assert str(refused.value).startswith("No such user")
        with pytest.raises(CommandError) as refused:
            issue_by_command("x", "--scope", "channels:write", *user)
        assert "channels:write" in str(refused.value)


def test_without_a_user_the_first_superuser_issues_it(django_user_model):
    root = django_user_model.objects.create_superuser("root", password="pw-for-tests-only")
    issue_by_command("印刷業者", "--scope", "channels:read")
    assert IntegratorAccess.objects.get().issued_by == root


# ---------------------------------------------------------------- revocation and expiry


def test_a_revoked_or_expired_token_stops_working(client, system_admin):
    revoked, revoked_token = api_token_issue(name="a", user=system_admin, scopes=["channels:read"])
    expired, expired_token = api_token_issue(name="b", user=system_admin, scopes=["channels:read"])
    assert client.get(SERVICES, **bearer(revoked_token)).status_code == 200
    assert client.get(SERVICES, **bearer(expired_token)).status_code == 200

    api_token_revoke(access=revoked, user=system_admin)
    IntegratorAccess.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )

    assert client.get(SERVICES, **bearer(revoked_token)).status_code == 401
    assert client.get(SERVICES, **bearer(expired_token)).status_code == 401
    assert client.get(SERVICES, **bearer("wagtail_not-a-token")).status_code == 401


# ---------------------------------------------------------------- the admin screens


@pytest.fixture
def as_system_admin(client, system_admin):
    client.force_login(system_admin)
    return client


def issue_form(**changes):
    valid_until = timezone.localdate() + dt.timedelta(days=90)
    return {
        "name": "印刷業者 (株)長崎印刷",
        "scopes": ["channels:read", "assets:read"],
        "expires_on": valid_until.isoformat(),
        **changes,
    }


def test_the_admin_issues_a_token_and_shows_it_once(as_system_admin, client):
    assert as_system_admin.get(reverse("integrator_tokens:add")).status_code == 200

    response = as_system_admin.post(reverse("integrator_tokens:add"), issue_form())
    assert response.status_code == 200
    token = shown_token(response.content.decode())

    access = IntegratorAccess.objects.get()
    assert access.token.name == "印刷業者 (株)長崎印刷"
    assert access.scopes == ["assets:read", "channels:read"]
    # valid to the end of the chosen day, in the city's time zone
    last_day = timezone.localtime(access.expires_at - dt.timedelta(seconds=1)).date()
    assert last_day == timezone.localdate() + dt.timedelta(days=90)
    assert not any(token in value for value in stored_values())

    listing = as_system_admin.get(reverse("integrator_tokens:index")).content.decode()
    assert "印刷業者 (株)長崎印刷" in listing
    assert access.token.prefix in listing
    assert token not in listing  # never shown again

    client.logout()
    assert client.get(SERVICES, **bearer(token)).status_code == 200


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"scopes": []}, "scopes"),
        ({"scopes": ["channels:write"]}, "scopes"),
        ({"expires_on": "2000-01-01"}, "expires_on"),
        ({"name": ""}, "name"),
    ],
)
def test_the_admin_refuses_an_incomplete_token(as_system_admin, changes, field):
    response = as_system_admin.post(reverse("integrator_tokens:add"), issue_form(**changes))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert not IntegratorAccess.objects.exists()


def test_the_admin_revokes_a_token_and_keeps_its_record(as_system_admin, client, system_admin):
    access, token = api_token_issue(name="印刷業者", user=system_admin, scopes=["channels:read"])
    url = reverse("integrator_tokens:delete", args=[access.pk])

    confirmation = as_system_admin.get(url)  # asks first, in the words of revoking
    assert confirmation.status_code == 200
    assert "はい、失効させます" in confirmation.content.decode()
    access.token.refresh_from_db()
    assert access.token.revoked_at is None

    response = as_system_admin.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("integrator_tokens:index")
    access.token.refresh_from_db()
    assert access.token.revoked_at is not None
    assert IntegratorAccess.objects.filter(pk=access.pk).exists()

    client.logout()
    assert client.get(SERVICES, **bearer(token)).status_code == 401


@pytest.mark.parametrize("role", ["department_admin", "finance"])
def test_only_system_administrators_reach_the_token_screens(client, request, system_admin, role):
    access, _token = api_token_issue(name="印刷業者", user=system_admin, scopes=["channels:read"])
    client.force_login(request.getfixturevalue(role))
    home = reverse("wagtailadmin_home")

    for url in [
        reverse("integrator_tokens:index"),
        reverse("integrator_tokens:add"),
        reverse("integrator_tokens:delete", args=[access.pk]),
    ]:
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, home), url

    response = client.post(reverse("integrator_tokens:add"), issue_form())
    assert (response.status_code, response["Location"]) == (302, home)
    response = client.post(reverse("integrator_tokens:delete", args=[access.pk]))
    assert (response.status_code, response["Location"]) == (302, home)

    assert IntegratorAccess.objects.count() == 1
    access.token.refresh_from_db()
    assert access.token.revoked_at is None
