"""ETags and the one error format for the integrator API."""

from django.middleware.http import ConditionalGetMiddleware
from django.utils.translation import gettext as _

API_PREFIX = "/api/"
# Answers Django and django-ninja give outside the API's own handlers, as plain HTML/text.
FOREIGN_ERRORS = (404, 405)


class ApiConditionalGetMiddleware(ConditionalGetMiddleware):
    """Every successful API GET gets an ETag (a hash of its body); a request whose
    If-None-Match carries it gets 304 with no body. The admin is left alone.

    An address under /api/ that no route matches (Django's HTML 404) or a method a route
    does not take (django-ninja's plain-text 405) answers in the API's JSON error format
    too, so an integrator's client can always read ``error.code``."""

    def process_response(self, request, response):
        if not request.path.startswith(API_PREFIX):
            return response
        if response.status_code in FOREIGN_ERRORS and not response.get(
            "Content-Type", ""
        ).startswith("application/json"):
            response = _json_error(request, response)
        if response.status_code != 200:
            return response  # an error is never "not modified", and needs no ETag
        return super().process_response(request, response)


def _json_error(request, response):
    from backoffice.api import error_response  # the API root imports every app's routes

    if response.status_code == 404:
        return error_response(request, 404, _("Not found."))
    allowed = response.get("Allow", "")
    return error_response(
        request,
        405,
        _("Method not allowed: use %(allowed)s.") % {"allowed": allowed},
        Allow=allowed,
    )
