"""A request id on every request: in audit entries, logs and the X-Request-ID header."""

import re
import uuid

from django.conf import settings

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
