"""State changes of tenants, people and API clients."""

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import emails, factors
from accounts.lockouts import count_failed_sign_in, sign_in_locked
from accounts.models import (
    ApiClient,
    EnrolmentLink,
    Membership,
    Role,
    SecurityAction,
    SecurityEvent,
    Tenant,
    User,
)
from accounts.pins import hash_pin, new_pin_refusal
from accounts.rules import first_factor_needs_link
from audit.actors import Actor, request_context
from audit.services import record_entry
from core import times
from core.refusals import Refusal


@transaction.atomic
def set_pin(*, tenant: Tenant, pin: str, actor: Actor, admin: User | None = None) -> Tenant:
    """Replace the tenant's account PIN, clear its PIN lock and failures, audit it and email
    the tenant's other admins. `admin`: the tenant admin setting it (None for support's
    onboarding command). Refuses a PIN that breaks a rule of a new PIN (its rule's code),
    and an `admin` who is not one of the tenant's now (not_tenant_admin)."""
    if refusal := new_pin_refusal(pin):
        raise refusal
    # The slow step, before any row is locked.
    pin_hash = hash_pin(pin)
    # FOR NO KEY UPDATE, as an approval locks it (unlocks/services/__init__.py: the lock order).
    tenant = Tenant.objects.select_for_update(no_key=True).get(pk=tenant.pk)
    admins = [
        membership.user
        for membership in Membership.objects.select_related("user")
        .filter(tenant=tenant, role=Role.ADMIN, user__is_active=True)
        .order_by("user__email")
    ]
    if admin is not None and admin.pk not in {user.pk for user in admins}:
        raise Refusal(
            "not_tenant_admin",
            f"{admin.email} is not an admin of {tenant.name} now, and only its admins can "
            "set its account PIN.",
        )
    first = not tenant.has_pin
    tenant.pin_hash = pin_hash
    tenant.pin_set_at = timezone.now()
    tenant.pin_failure_times = []
    tenant.pin_locked_until = None
    tenant.pin_locks_in_a_row = 0
    tenant.pin_needs_change = False
    tenant.save()
    others = [user for user in admins if admin is None or user.pk != admin.pk]
    # The outbox before the audit entry, which locks the chain head until the commit.
    emails.tell_admins_pin_set(tenant=tenant, by=admin, people=others, first=first)
    record_entry(
        tenant=tenant,
        action="pin_set",
        actor=actor,
        data={"first": first, "told": [user.email for user in others]},
    )
    return tenant


def add_member(*, tenant: Tenant, user: User, role: str = Role.MEMBER) -> Membership:
    """Give `user` a role in `tenant`, or change the role they have."""
    membership, _ = Membership.objects.update_or_create(
        tenant=tenant, user=user, defaults={"role": role}
    )
    return membership


def hash_api_key(key: str) -> str:
    # API keys are long and random, so a fast hash is enough to keep them unusable if read.
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_client(*, name: str, key: str | None = None) -> tuple[ApiClient, str]:
    """Create a named API client; returns it with its key, which is never shown again."""
    key = key or secrets.token_urlsafe(32)
    client = ApiClient.objects.create(name=name, key_prefix=key[:8], key_hash=hash_api_key(key))
    return client, key


def revoke_api_client(*, client: ApiClient) -> ApiClient:
    """Stop a client's key from working from now on."""
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
    return client


# ---------------------------------------------------------------- second factors


def record_security_event(*, user, action, actor: Actor | None = None, factor="", by="", data=None):
    """Append one sign-in or second-factor step of `user` (accounts.models.SecurityEvent)."""
    actor = actor or Actor.system()
    return SecurityEvent.objects.create(
        user_id=user.pk,
        email=user.email,
        is_staff=user.is_staff,
        action=action,
        factor=factor,
        by=by,
        ip=actor.ip,
        user_agent=actor.user_agent,
        http_request_id=actor.request_id,
        data=data or {},
    )


@transaction.atomic
def send_enrolment_link(*, user: User, actor: Actor) -> str:
    """Email `user` a single-use link (valid STAFF_ENROLMENT_LINK_LIFETIME) with which they
    set up their first second factor; any earlier link of theirs stops working. Recorded
    as a security event with who sent it. Returns the link (for the caller's test only:
    it is never shown or logged)."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    EnrolmentLink.objects.filter(user=user, used_at__isnull=True).delete()
    link = EnrolmentLink.objects.create(
        user=user,
        token_hash=hash_api_key(token),
        expires_at=now + settings.STAFF_ENROLMENT_LINK_LIFETIME,
        issued_by=actor.label,
    )
    url = settings.SITE_URL + reverse("enrolment_link", args=[token])
    emails.send_enrolment_link(user=user, url=url, expires_at=link.expires_at)
    record_security_event(
        user=user, action=SecurityAction.ENROLMENT_LINK_SENT, actor=actor, by=actor.label
    )
    return url


@transaction.atomic
def use_enrolment_link(*, user: User, token: str, actor: Actor) -> bool:
    """Spend `user`'s enrolment link `token`: True once, when it is theirs, unused and
    within its time; recorded as a security event."""
    link = (
        EnrolmentLink.objects.select_for_update()
        .filter(
            user=user,
            token_hash=hash_api_key(token),
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )
    if link is None:
        return False
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    record_security_event(user=user, action=SecurityAction.ENROLMENT_LINK_USED, actor=actor)
    return True


def _first_factor_allowed(user, held, link_used):
    if refusal := first_factor_needs_link(
        is_staff=user.is_staff,
        holds_a_factor=bool(held),
        link_used=link_used,
        required=settings.STAFF_ENROLMENT_BY_LINK,
    ):
        raise refusal


@transaction.atomic
def add_authenticator_app(
    *, user: User, key: str, code: str, verified: bool, actor: Actor, link_used: bool = False
) -> list[str]:
    """Keep the authenticator app `user` set up with `key`, proved by its current `code`, and
    give them new single-use recovery codes (returned once, never shown again).

    `verified`: whether this session passed one of their factors. Refuses (a `Refusal`) when
    they hold a factor and the session did not pass it (a password alone adds none), when
    they have an app already (a support lead resets it), when the code does not fit, or
    when it is a staff member's first factor and this session did not open the enrolment
    link emailed to them (`link_used`, where STAFF_ENROLMENT_BY_LINK is on)."""
    held = factors.kinds_of(user)
    _first_factor_allowed(user, held, link_used)
    if held and not verified:
        raise Refusal(
            "second_factor_required",
            "You hold a second factor already: sign in with it first, then add another.",
        )
    if factors.TOTP in held:
        raise Refusal(
            "second_factor_exists",
            "You have an authenticator app already. To move to another, ask a support lead "
            "to reset your second factors, then set it up again.",
        )
    if not factors.code_fits_key(key, code):
        raise Refusal(
            "second_factor_incorrect",
            "That code does not match. Type the 6-digit code your app shows now for Unlock "
            "desk (it changes every 30 seconds).",
        )
    factors.keep_totp(user, key, code)
    codes = factors.replace_recovery_codes(user)
    record_security_event(user=user, action=SecurityAction.FACTOR_ADDED, actor=actor, factor="totp")
    record_security_event(user=user, action=SecurityAction.RECOVERY_CODES_MADE, actor=actor)
    return codes


@transaction.atomic
def add_passkey(
    *, http_request, user: User, data, verified: bool, actor: Actor, link_used: bool = False
):
    """Keep the passkey the browser created for `user` (django-otp-webauthn checks it against
    the session's challenge). As for an app: a person holding a factor adds one only in a
    session that passed it, and a staff member's first only through the enrolment link.
    Refuses as for an app."""
    held = factors.kinds_of(user)
    _first_factor_allowed(user, held, link_used)
    if held and not verified:
        raise Refusal(
            "second_factor_required",
            "You hold a second factor already: sign in with it first, then add a passkey.",
        )
    device = factors.keep_passkey(http_request, user, data)
    if device is None:
        raise Refusal(
            "passkey_not_verified",
            "Your browser's answer could not be verified. Try again; if it keeps failing, "
            "use an authenticator app instead.",
        )
    record_security_event(
        user=user, action=SecurityAction.FACTOR_ADDED, actor=actor, factor=factors.PASSKEY
    )
    return device


@transaction.atomic
def make_recovery_codes(*, user: User, actor: Actor) -> list[str]:
    """Replace `user`'s recovery codes with new ones (returned once)."""
    codes = factors.replace_recovery_codes(user)
    record_security_event(user=user, action=SecurityAction.RECOVERY_CODES_MADE, actor=actor)
    return codes


@dataclass
class FactorCheck:
    """What a second factor at sign-in came to: the factor passed (or None), and when the
    person may try again if django-otp holds their factors back after wrong codes."""

    factor: str | None
    device: object = None
    wait_until: object = None
    locked: bool = False


@transaction.atomic
def check_sign_in_factor(
    *, http_request, user: User, code: str = "", passkey=None, actor: Actor
) -> FactorCheck:
    """Finish a password sign-in with a second factor: a passkey's answer (`passkey`), an
    authenticator code, or one of the recovery codes (each works once). A wrong one counts
    as a failed sign-in (django-axes, by the request's address); none is checked while
    signing in is locked out.

    Marks nothing itself: the page marks the session verified with the device passed."""
    if sign_in_locked(http_request, user.email):
        return FactorCheck(factor=None, locked=True)
    code = factors.normalised(code)
    if passkey is not None:
        device, factor = factors.matching_passkey(http_request, user, passkey), factors.PASSKEY
    elif factors.TOTP_CODE.match(code):
        device, factor = factors.matching_totp(user, code), factors.TOTP
    else:
        device, factor = factors.matching_recovery_code(user, code), factors.RECOVERY_CODE
    if device is None:
        record_security_event(user=user, action=SecurityAction.SECOND_FACTOR_FAILED, actor=actor)
        count_failed_sign_in(http_request, user.email)
        return FactorCheck(
            factor=None,
            wait_until=factors.wait_before_next_try(user),
            locked=bool(getattr(http_request, "axes_locked_out", False)),
        )
    record_security_event(
        user=user,
        action=SecurityAction.SECOND_FACTOR_PASSED,
        actor=actor,
        factor=factor,
        data={"recovery_codes_left": factors.recovery_codes_left(user)}
        if factor == factors.RECOVERY_CODE
        else {},
    )
    return FactorCheck(factor=factor, device=device)


@transaction.atomic
def reset_second_factors(*, user: User, actor: Actor) -> set[str]:
    """A support lead removes every second factor of `user` (a lost phone, a stolen key):
    they set one up again at their next sign-in. Recorded with who did it."""
    had = factors.forget_all(user)
    record_security_event(
        user=user,
        action=SecurityAction.FACTORS_RESET,
        actor=actor,
        by=actor.label,
        data={"had": sorted(had)},
    )
    return had


def record_password_sign_in(sender, request, user, **kwargs):
    """Receiver of `user_logged_in`: every sign-in is recorded with its factor, the password
    here (a second factor, where one follows, is recorded when it passes)."""
    context = request_context(request) if request is not None else {}
    record_security_event(
        user=user,
        action=SecurityAction.SIGNED_IN,
        actor=Actor.for_user(user, **context),
        factor=factors.PASSWORD,
    )


@transaction.atomic
def set_second_factor_requirement(
    *, tenant: Tenant, required: bool, admin: User, code: str, actor: Actor
) -> Tenant:
    """Require (or stop requiring) the approving admin's second factor for every approval of
    `tenant`. Only an admin of it now, proving it with their own authenticator code (the
    password is checked by the page first, as a sign-in). Audited in the tenant's trail.

    Refuses an admin of it no longer (not_tenant_admin), one without an app or a wrong
    code."""
    tenant = Tenant.objects.select_for_update(no_key=True).get(pk=tenant.pk)
    is_admin = Membership.objects.filter(
        tenant=tenant, user=admin, role=Role.ADMIN, user__is_active=True
    ).exists()
    if not is_admin:
        raise Refusal(
            "not_tenant_admin",
            f"{admin.email} is not an admin of {tenant.name} now, and only its admins can "
            "change how its approvals are proved.",
        )
    if factors.TOTP not in factors.kinds_of(admin):
        raise Refusal(
            "second_factor_required",
            "Set up your own authenticator app first: this setting is changed with your "
            "password and a code from it.",
        )
    if factors.matching_totp(admin, code) is None:
        raise Refusal(
            "second_factor_incorrect",
            "That code is not right, or was used already. Type the code your app shows now.",
        )
    if tenant.approval_requires_second_factor != required:
        tenant.approval_requires_second_factor = required
        tenant.save(update_fields=["approval_requires_second_factor"])
        record_entry(
            tenant=tenant,
            action="second_factor_requirement_set",
            actor=actor,
            data={"required": required},
        )
    return tenant


# ---------------------------------------------------------------- time zones


def _zone_refusal(time_zone):
    return Refusal(
        "time_zone_unknown",
        f"{time_zone!r} is not a time zone this server knows. Choose one from the list, "
        "such as America/Denver.",
    )


def set_time_zone(*, user: User, time_zone: str) -> User:
    """The zone `user` reads times in on every page; "" for their browser's."""
    if time_zone and times.zone_named(time_zone) is None:
        raise _zone_refusal(time_zone)
    user.time_zone = time_zone
    user.save(update_fields=["time_zone"])
    return user


@transaction.atomic
def set_tenant_time_zone(*, tenant: Tenant, time_zone: str, admin: User) -> Tenant:
    """The zone `tenant`'s emails say times in, chosen by one of its admins now."""
    if times.zone_named(time_zone) is None:
        raise _zone_refusal(time_zone)
    tenant = Tenant.objects.select_for_update(no_key=True).get(pk=tenant.pk)
    is_admin = Membership.objects.filter(
        tenant=tenant, user=admin, role=Role.ADMIN, user__is_active=True
    ).exists()
    if not is_admin:
        raise Refusal(
            "not_tenant_admin",
            f"{admin.email} is not an admin of {tenant.name} now, and only its admins can "
            "choose the time zone of its emails.",
        )
    tenant.time_zone = time_zone
    tenant.save(update_fields=["time_zone"])
    return tenant
