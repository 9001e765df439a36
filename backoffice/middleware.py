"""ETags for the integrator API."""

from django.middleware.http import ConditionalGetMiddleware

API_PREFIX = "/api/"


class ApiConditionalGetMiddleware(ConditionalGetMiddleware):
    """Every successful API GET gets an ETag (a hash of its body); a request whose
    If-None-Match carries it gets 304 with no body. The admin is left alone."""

    def process_response(self, request, response):
        if not request.path.startswith(API_PREFIX):
            return response
        return super().process_response(request, response)
