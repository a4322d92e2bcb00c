"""What a sign-in lock-out leaves behind.

django-axes keeps every failed attempt and the lock itself in its own tables
(AccessAttempt, AccessFailureLog). On top of that, a tenant user's lock-out is
written into the audit chain of each tenant they belong to. A staff member
belongs to no tenant and the audit trail is kept per tenant, so a staff lock-out
is logged at WARNING on the `unlock.security` logger and kept by axes alone.
"""

import logging

from axes.exceptions import AxesBackendPermissionDenied
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import transaction

from accounts.backends import SignInThrottle
from accounts.models import Membership
from audit.actors import Actor, request_context
from audit.models import AuditAction
from audit.services import record_entry

log = logging.getLogger("unlock.security")

SIGN_IN_LOCKED = AuditAction.SIGN_IN_LOCKED


def record_sign_in_lockout(sender, request, username, ip_address, **kwargs):
    """Receiver of axes' `user_locked_out`: audit the moment the lock starts, once."""
    # axes also sends this for each attempt refused while the lock holds (without a
    # count); only the failure that reaches the limit starts a lock, and is audited.
    if getattr(request, "axes_failures_since_start", None) != settings.AXES_FAILURE_LIMIT:
        return
    memberships = list(
        Membership.objects.select_related("tenant", "user").filter(user__email__iexact=username)
    )
    log.warning(
        "Sign-in locked for %s after repeated failures from %s (%d tenant(s) audited).",
        username,
        ip_address,
        len(memberships),
    )
    context = request_context(request)
    with transaction.atomic():
        for membership in memberships:
            record_entry(
                tenant=membership.tenant,
                action=SIGN_IN_LOCKED,
                actor=Actor(kind="system", label="sign-in throttle", **context),
                code=SIGN_IN_LOCKED,
                data={"email": membership.user.email, "ip": ip_address},
            )


def sign_in_locked(request, email):
    """Whether signing in as `email` from this request's address is locked out now (the
    email at this address, or the address): a second factor is then not even checked.
    Sets request.axes_locked_out, so that axes' middleware answers with its page."""
    try:
        SignInThrottle().authenticate(request, username=email)
    except AxesBackendPermissionDenied:
        request.axes_locked_out = True
        return True
    return False


def count_failed_sign_in(request, email):
    """Count a failed second factor as a failed sign-in of `email` at this address, as a
    wrong password is (django-axes: 5 lock the email here)."""
    user_login_failed.send(sender=__name__, credentials={"username": email}, request=request)
