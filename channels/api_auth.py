"""Who may call the integrator API: bearer tokens with scopes, an expiry and a rate limit.

The token is Wagtail's :class:`~wagtail.models.APIToken` (random, shown once, stored as an
HMAC digest, revocable, last use recorded); :class:`~channels.models.IntegratorAccess`
adds what an integrator may read and until when.
"""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import HttpBearer
from ninja.throttling import AuthRateThrottle
from wagtail.models import APIToken

from channels.models import IntegratorAccess

LAST_USED_INTERVAL_SECONDS = 60


class ScopedTokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``, valid, unexpired, unrevoked, with ``scope``."""

    openapi_description = "Bearer token issued in the admin or by `manage.py issue_api_token`."

    def __init__(self, scope):
        super().__init__()
        self.scope = scope

    def authenticate(self, request, token):
        access = (
            IntegratorAccess.objects.select_related("token")
            .filter(token__key_hash__in=APIToken.candidate_key_hashes(token))
            .first()
        )
        if access is None:
            raise AuthenticationError(message=_("The token is not valid."))
        if access.token.revoked_at is not None:
            raise AuthenticationError(message=_("The token has been revoked."))
        if access.is_expired:
            raise AuthenticationError(message=_("The token has expired."))
        if self.scope not in access.scopes:
            raise AuthorizationError(
                message=_("The token lacks the scope %(scope)s.") % {"scope": self.scope}
            )
        _touch_last_used(access.token)
        return access


def _touch_last_used(token):
    """Record the last use, at most once a minute per token (no write on every request)."""
    now = timezone.now()
    if token.last_used_at and (now - token.last_used_at).total_seconds() < (
        LAST_USED_INTERVAL_SECONDS
    ):
        return
    APIToken.objects.filter(pk=token.pk).update(last_used_at=now)


class TokenRateThrottle(AuthRateThrottle):
    """At most ``INTEGRATOR_API_RATE`` requests per token (e.g. ``600/m``); more get 429."""

    scope = "integrator"

    def __init__(self):
        super().__init__(settings.INTEGRATOR_API_RATE)

    def allow_request(self, request):
        self.rate = settings.INTEGRATOR_API_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request):
        return self.cache_format % {"scope": self.scope, "ident": request.auth.token_id}
