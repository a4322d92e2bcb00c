"""Sign-in throttling: django-axes in front of Django's own password check."""

import logging

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.helpers import get_cool_off, toggleable
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum

log = logging.getLogger("unlock.security")

# What request.sign_in_locked says when the address, not the email, is locked.
ADDRESS = "address"


def sign_in_email(request, credentials):
    """The email a sign-in attempt names, as the lock-out counts it (case and spaces aside).

    The admin's form posts it as `username`; a page that signs in with
    `authenticate(email=...)` passes it as `email`.
    """
    credentials = credentials or {}
    data = getattr(request, "POST", {}) if request is not None else {}
    email = (
        credentials.get("username")
        or credentials.get("email")
        or data.get("username")
        or data.get("email")
        or ""
    )
    return str(email).strip().lower()


def failures_from_address(request):
    """Failed sign-ins from the request's address within the cool-off, for any email."""
    return (
        AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address,
            attempt_time__gte=get_cool_off_threshold(request),
        ).aggregate(failures=Sum("failures_since_start"))["failures"]
        or 0
    )


class SignInThrottle(AxesStandaloneBackend):
    """Refuses a sign-in for an email locked out at this address (axes counts those), or from
    an address that failed for many emails; authenticates no one itself."""

    @toggleable
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            # No HTTP request, no one to throttle: the shell, a management command or the
            # test client's login(). Every sign-in form and API passes its request.
            return None
        super().authenticate(request, username, password, **kwargs)
        # axes locks an email at an address; this holds off an address guessing one
        # password across many emails, at a count an office's typos do not reach.
        failures = failures_from_address(request)
        if failures >= settings.SIGN_IN_MAX_FAILURES_PER_ADDRESS:
            log.warning(
                "Sign-in refused from %s: %d failed sign-ins from it in the last %d minutes.",
                request.axes_ip_address,
                failures,
                get_cool_off(request).total_seconds() // 60,
            )
            # As axes does for its own lock: the middleware answers with the locked page.
            request.axes_locked_out = True
            request.sign_in_locked = ADDRESS
            raise AxesBackendPermissionDenied("Too many failed sign-ins from this address")
        return None
