"""Middleware of the accounts app: support staff finish signing in with a second factor,
sessions end when they have lasted, or lain idle, too long, and every page reads times in
its reader's time zone."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django_otp import user_has_device

from accounts.rules import staff_second_factor_missing
from core import times
from core.errors import error_body

# The cookie in which every page's script (static/js/every-page.js) keeps the browser's
# time zone, for whoever has not chosen one on their account.
ZONE_COOKIE = "tz"


class TimeZoneMiddleware:
    """Pages read times in their reader's zone: the one chosen on their account, else
    their browser's (its cookie), else UTC. The API answers in UTC whoever asks."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = None if request.path.startswith("/api/") else self.zone_of(request)
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    @classmethod
    def zone_of(cls, request):
        user = getattr(request, "user", None)
        chosen = getattr(user, "time_zone", "") if user is not None else ""
        return times.zone_named(chosen) or times.zone_named(cls.browser_zone(request))

    @staticmethod
    def browser_zone(request):
        """The name of the browser's zone, as its script set the cookie; None if unknown."""
        name = request.COOKIES.get(ZONE_COOKIE)
        return name if times.zone_named(name) else None


class StaffSecondFactorMiddleware:
    """With STAFF_MFA_REQUIRED, a staff session signed in with a password alone reaches the
    second-factor pages only (SPEC rule 12): the console sends it to them, the API refuses it
    (403 in the error shape). A call by API key carries no session and is not concerned."""

    # Where such a session may go: finish signing in, set a factor up, or sign out.
    ALLOWED = {
        "second_factor",
        "second_factor_setup",
        "enrolment_link",
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


# What a session remembers of its own age: when it signed in, and when it was last used.
SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"
# Writing the session on every request costs a write each; a minute is precise enough.
SEEN_EVERY = timedelta(minutes=1)


def stamp_sign_in(sender, request, user, **kwargs):
    """Receiver of `user_logged_in`: the session's age starts now."""
    if request is not None and hasattr(request, "session"):
        now = timezone.now().isoformat()
        request.session[SIGNED_IN_AT] = now
        request.session[SEEN_AT] = now


def session_limits(user):
    """(how long a session may last, how long it may lie idle) for `user`; None for no
    limit. Staff can unlock any tenant's books: their sessions are the shorter."""
    if user.is_staff:
        total = timedelta(hours=settings.STAFF_SESSION_HOURS)
        idle = timedelta(minutes=settings.STAFF_SESSION_IDLE_MINUTES)
    else:
        total = timedelta(days=settings.USER_SESSION_DAYS)
        idle = timedelta(hours=settings.USER_SESSION_IDLE_HOURS)
    return total or None, idle or None


class SessionLimitsMiddleware:
    """Signs out a session that has lasted longer than its person's limit, or lain idle
    longer (STAFF_SESSION_HOURS, STAFF_SESSION_IDLE_MINUTES, USER_SESSION_DAYS,
    USER_SESSION_IDLE_HOURS): the page sends them to sign in again, saying why; the API by
    session answers 401 in the error shape."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        why = (
            self._ended(request.session, user, timezone.now())
            if user.is_authenticated and hasattr(request, "session")
            else None
        )
        if why:
            logout(request)
            return self._signed_out(request, why)
        return self.get_response(request)

    def _ended(self, session, user, now):
        total, idle = session_limits(user)
        started, seen = _when(session.get(SIGNED_IN_AT)), _when(session.get(SEEN_AT))
        if total and started and now - started > total:
            return f"you signed in more than {_span(total)} ago"
        if idle and seen and now - seen > idle:
            return f"nothing was done in it for more than {_span(idle)}"
        if seen is None or now - seen >= SEEN_EVERY:
            session[SEEN_AT] = now.isoformat()
            session.setdefault(SIGNED_IN_AT, now.isoformat())
        return None

    def _signed_out(self, request, why):
        message = f"You were signed out because {why}. Sign in again to go on."
        if request.path.startswith("/api/"):
            return JsonResponse(error_body("session_expired", message), status=401)
        messages.info(request, message)
        login = "admin:login" if request.path.startswith("/admin/") else settings.LOGIN_URL
        return redirect_to_login(request.get_full_path(), login)


def _when(value):
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _span(delta):
    minutes = int(delta.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return f"{days} day{'s' if days != 1 else ''}"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minutes"
