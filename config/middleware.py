"""Middleware of the whole site: a request id on every request (in audit entries, logs and
the X-Request-ID header), and a clear answer to a body Django cannot read."""

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
