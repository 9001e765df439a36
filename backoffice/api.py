"""The integrator API root at /api/v1/ (django-ninja): routes from the apps, one error
format for every failure, and the OpenAPI schema at /api/v1/openapi.json."""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.renderers import JSONRenderer

from channels.api import router as channels_router


class Utf8JSONRenderer(JSONRenderer):
    """Japanese as UTF-8 characters, not \\uXXXX escapes: readable, and a third smaller."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=Utf8JSONRenderer(),
    title="Cashless back office — integrator API",
    version="1.0",
    description=(
        "Published payment channels of the city's services, their QR and barcode assets, "
        "and a change feed. Every GET answers with an ETag; send it back in If-None-Match "
        "to get 304 when nothing changed. Errors are "
        '`{"error": {"code": ..., "message": ...}}`.'
    ),
    urls_namespace="api-1.0",
)
api.add_router("/", channels_router)

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    422: "invalid_request",
    429: "rate_limited",
}


def error_response(request, status, message, **headers):
    response = api.create_response(
        request,
        {"error": {"code": ERROR_CODES.get(status, "error"), "message": str(message)}},
        status=status,
    )
    for name, value in headers.items():
        response[name] = value
    return response


@api.exception_handler(AuthenticationError)
def unauthorized(request, exc):
    message = exc.message
    if message == AuthenticationError().message:  # no token at all
        message = _("Send the token as Authorization: Bearer <token>.")
    return error_response(request, 401, message, **{"WWW-Authenticate": "Bearer"})


@api.exception_handler(Throttled)
def throttled(request, exc):
    return error_response(request, 429, _("Too many requests: wait and try again."))


@api.exception_handler(HttpError)
def http_error(request, exc):
    messages = {404: _("Not found.")}
    message = messages.get(exc.status_code, exc.message)
    return error_response(request, exc.status_code, message)


@api.exception_handler(Http404)
def not_found(request, exc):
    return error_response(request, 404, _("Not found."))


@api.exception_handler(ValidationError)
def invalid(request, exc):
    first = exc.errors[0] if exc.errors else {}
    where = ".".join(str(part) for part in first.get("loc", []))
    return error_response(
        request,
        422,
        _("Invalid parameter %(where)s: %(reason)s")
        % {"where": where, "reason": first.get("msg", "")},
    )
