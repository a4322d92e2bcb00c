"""Middleware of the whole site: a request id on every request (in audit entries, logs and
the X-Request-ID header), and a clear answer to a body Django cannot read."""

import re
import uuid

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode

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
                from unlocks.api.errors import error_body

                return JsonResponse(error_body("length_required", self.MESSAGE), status=411)
            return HttpResponse(self.MESSAGE, status=411, content_type="text/plain")
        return self.get_response(request)


class StaffSecondFactorMiddleware:
    """With STAFF_MFA_REQUIRED, a staff session signed in with a password alone reaches the
    second-factor pages only (SPEC rule 12): the console sends it to them, the API refuses it
    (403 in the error shape). A call by API key carries no session and is not concerned."""

    # Where such a session may go: finish signing in, set a factor up, or sign out.
    ALLOWED = {
        "second_factor",
        "second_factor_setup",
        "passkey_sign_in_begin",
        "passkey_register_begin",
        "passkey_register",
        "logout",
        "signed_out",
        "admin:logout",
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from unlocks.rules import staff_second_factor_missing

        user = request.user
        refusal = (
            staff_second_factor_missing(
                is_staff=user.is_staff,
                verified=user.is_verified(),
                required=settings.STAFF_MFA_REQUIRED,
            )
            if user.is_authenticated
            else None
        )
        if refusal is None or self._allowed(request):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            from unlocks.api.errors import error_body

            return JsonResponse(error_body(refusal.code, refusal.message), status=403)
        from django_otp import user_has_device

        target = "second_factor" if user_has_device(user) else "second_factor_setup"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")

    def _allowed(self, request):
        if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.view_name in self.ALLOWED
