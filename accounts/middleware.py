"""Middleware of the accounts app: support staff finish signing in with a second factor."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django_otp import user_has_device

from accounts.rules import staff_second_factor_missing
from core.errors import error_body


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
            return JsonResponse(error_body(refusal.code, refusal.message), status=403)
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
