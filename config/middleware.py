"""Middleware of the whole site: a request id on every request (in audit entries, logs and
the X-Request-ID header), and a clear answer to a body Django cannot read or an address
too long to be one of ours."""

import re
import uuid

from django.conf import settings
from django.http import HttpResponse, JsonResponse

from core.errors import error_body

HEADER = "X-Request-ID"
TRUSTED_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(HEADER, "")
        # Only our own proxies may name the request; from the open internet it is forged.
        if settings.NUM_PROXIES and TRUSTED_ID.match(incoming):
            request.request_id = incoming
        else:
            request.request_id = uuid.uuid4().hex
        response = self.get_response(request)
        response[HEADER] = request.request_id
        return response


class LengthRequiredMiddleware:
    """A body sent in chunks, without Content-Length, answers 411.

    Django reads a request body by its Content-Length; a chunked body would otherwise be
    read as empty and judged as such ("tenant: This field is required"), which misleads.
    """

    MESSAGE = (
        "The request body was sent in chunks (Transfer-Encoding: chunked) without a "
        "Content-Length, which this server does not read. Send the body with its "
        "Content-Length, as most HTTP clients do by default."
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not request.META.get("CONTENT_LENGTH"):
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("length_required", self.MESSAGE), status=411)
            return HttpResponse(self.MESSAGE, status=411, content_type="text/plain")
        return self.get_response(request)


class UriTooLongMiddleware:
    """An address longer than MAX_URL_LENGTH answers 414: in the one error shape under
    /api/, so that a client reads it as it reads every error. (gunicorn's own limit, raised
    above ours in the README's command, would answer with an HTML page of its own.)"""

    MESSAGE = (
        "The address is longer than this server reads ({limit} characters). Send what you "
        "are searching for in fewer or shorter query parameters, or in a request body."
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.MAX_URL_LENGTH
        if len(request.get_full_path()) > limit:
            message = self.MESSAGE.format(limit=limit)
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("uri_too_long", message), status=414)
            return HttpResponse(message, status=414, content_type="text/plain")
        return self.get_response(request)
