"""Middleware of the whole site: a request id on every request (in audit entries, logs and
the X-Request-ID header), and a clear answer to a body Django cannot read or an address
too long to be one of ours."""

import logging
import re
import time
import uuid

from django.conf import settings
from django.http import HttpResponse, JsonResponse

from core import logs, metrics
from core.errors import error_body

requests_log = logging.getLogger("unlockdesk.requests")
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

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


class RequestLogMiddleware:
    """Every line logged while a request runs carries its id and method, and its path once
    the URL is resolved (with secret parts left out); when it is answered, one line more
    says its status and duration, and the latency histogram counts it by view. Just
    inside RequestIdMiddleware, so it times all the rest."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        with logs.bound(request_id=request.request_id, method=request.method):
            response = self.get_response(request)
            duration = time.perf_counter() - started
            match = request.resolver_match
            view = match.view_name if match else "unmatched"
            path = logs.loggable_path(request)
            # Any word is a method to HTTP: counted as one of ours or "other", so a client
            # cannot make a new series per word it sends.
            method = request.method if request.method in HTTP_METHODS else "other"
            metrics.REQUEST_LATENCY.labels(
                view=view, method=method, status=str(response.status_code)
            ).observe(duration)
            requests_log.info(
                "%s %s %s",
                request.method,
                path,
                response.status_code,
                extra={
                    "path": path,
                    "view": view,
                    "status": response.status_code,
                    "duration_ms": round(duration * 1000, 1),
                },
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Only now is it known which parts of the path are secrets (logs.SECRET_URL_KWARGS).
        logs.bind(path=logs.loggable_path(request))


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
