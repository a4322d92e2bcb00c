"""Sign-in throttling: django-axes in front of Django's own password check."""

from axes.backends import AxesStandaloneBackend


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


class SignInThrottle(AxesStandaloneBackend):
    """Refuses a sign-in for an email that is locked out; authenticates no one itself."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            # No HTTP request, no one to throttle: the shell, a management command or the
            # test client's login(). Every sign-in form and API passes its request.
            return None
        return super().authenticate(request, username, password, **kwargs)
