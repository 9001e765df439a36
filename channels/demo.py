"""Demo payment channels from ``fixtures/channels.toml`` and, in development only, one
integrator token with a known value so the API can be tried at once.

A channel that exists already is left alone, so loading twice changes nothing.
"""

import datetime as dt
import tomllib
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.db import transaction
from wagtail.models import APIToken

from catalog.models import Service
from channels.models import IntegratorAccess, PaymentMethod, ServiceChannel
from channels.services import channel_create, channel_submit

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "channels.toml"
DEMO_TOKEN = "wagtail_demo-integrator-token-2026"  # noqa: S105 (development only)
DEMO_TOKEN_NAME = "デモ連携先（開発用）"


def read_fixture(path=FIXTURE):
    with open(path, "rb") as handle:
        return tomllib.load(handle)["channels"]


@transaction.atomic
def load_demo_channels(rows, *, user=None):
    """Create each listed channel in its state; returns counts of created and unchanged."""
    counts = Counter()
    for row in rows:
        config = dict(row)
        service = Service.objects.get(code=config.pop("service"))
        method = PaymentMethod.objects.get(code=config.pop("method"))
        state = config.pop("state")
        if ServiceChannel.objects.filter(service=service, method=method).exists():
            counts["unchanged"] += 1
            continue
        go_live_at = config.pop("go_live_at", None)
        # The demo user drafts only their own departments' channels; the rest are the
        # system's, so the history never claims they touched another department.
        author = user if user and service.department.administrators.filter(pk=user.pk) else None
        channel = channel_create(
            service=service,
            method=method,
            user=author,
            publish=state in ("published", "scheduled"),
            go_live_at=dt.datetime.fromisoformat(go_live_at) if go_live_at else None,
            **config,
        )
        if state == "in_review" and author is not None:
            channel_submit(channel=channel, user=author)
        counts["created"] += 1
    return counts


@transaction.atomic
def demo_token(user):
    """The development integrator token (all scopes); None once it was revoked."""
    key_hash = APIToken.hash_token(DEMO_TOKEN)
    token = APIToken.objects.filter(key_hash=key_hash).first()
    if token is None:
        token = APIToken.objects.create(
            user=user, name=DEMO_TOKEN_NAME, key_hash=key_hash, prefix=DEMO_TOKEN[:12]
        )
        IntegratorAccess.objects.create(
            token=token,
            scopes=IntegratorAccess.Scope.values,
            expires_at=dt.datetime(2099, 12, 31, tzinfo=dt.UTC),
            issued_by=user,
        )
    return None if token.revoked_at else DEMO_TOKEN
