"""A tenant's two-approver policy (SPEC rule 13), set by its own admins only: with their
password (checked by the page, as a sign-in) and, where they hold one, their second factor
again; audited; the other admins emailed.

A policy guards itself: tightening it (turning it on, a lower amount) applies at once,
but loosening it (a higher amount, a part switched off: fewer unlocks need two) waits for a
second admin's approval, or one admin could switch the rule off and approve alone. Either
admin may withdraw a waiting change; a new setting replaces it. Requests approved once
already keep the policy they started with (`UnlockRequest.approval_policy`).

Locks: the tenant's row (FOR NO KEY UPDATE, as an approval takes it: an approval reads
the policy under the same lock), then the tenant's waiting change, then the chain head.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts import factors
from accounts.models import Tenant
from accounts.selectors import admin_users
from audit.actors import Actor
from audit.models import AuditAction
from audit.services import record_entry
from core.refusals import Refusal
from unlocks import events, rules
from unlocks.models import PolicyChange, PolicyChangeStatus


@dataclass
class PolicyOutcome:
    """What setting the policy did: `applied` at once, or `waiting` for a second admin
    (the `PolicyChange`); neither where nothing changed."""

    tenant: Tenant
    applied: bool = False
    waiting: PolicyChange | None = None


def set_approval_policy(
    *,
    tenant: Tenant,
    admin,
    two_from_cents: int | None,
    bypassed_batches: bool,
    code: str = "",
    passkey=None,
    actor: Actor,
) -> PolicyOutcome:
    """Set `tenant`'s two-approver policy as one of its admins: applied at once where it
    asks as much or more of every unlock, else (it loosens) waiting for another admin's
    approval.

    `code`: the admin's authenticator code; `passkey`: a callable checking their passkey
    answer; one of them where they hold a second factor. Refuses a non-admin, a missing or
    wrong factor, an amount of zero or less, and a policy of two admins for an account
    with fewer."""
    new = rules.ApprovalPolicy(two_from_cents, bool(bypassed_batches))
    if refusal := rules.policy_invalid(two_from_cents):
        raise refusal
    with transaction.atomic():
        tenant, admins = _as_admin(tenant, admin, code, passkey)
        old = rules.ApprovalPolicy.of_tenant(tenant)
        if refusal := rules.too_few_admins(new, len(admins), tenant.name):
            raise refusal
        waiting = _waiting_change(tenant)
        if waiting is not None:
            # Whatever the admin sets now replaces what waited.
            _decide(waiting, PolicyChangeStatus.REPLACED, admin)
        if new == old:
            return PolicyOutcome(tenant=tenant)
        now = timezone.now()
        others = [person for person in admins if person.pk != admin.pk]
        if rules.loosens(old, new):
            change = PolicyChange.objects.create(
                tenant=tenant,
                two_from_cents=new.two_from_cents,
                bypassed_batches=new.bypassed_batches,
                proposed_by=admin,
                proposed_at=now,
            )
            events.policy_event("proposed", tenant, by=admin, people=others, old=old, new=new)
            _audit(tenant, AuditAction.POLICY_PROPOSED, actor, old, new, admin)
            return PolicyOutcome(tenant=tenant, waiting=change)
        _apply(tenant, new)
        events.policy_event("set", tenant, by=admin, people=others, old=old, new=new)
        _audit(tenant, AuditAction.POLICY_SET, actor, old, new, admin)
        return PolicyOutcome(tenant=tenant, applied=True)


def approve_policy_change(
    *, tenant: Tenant, change_id, admin, code: str = "", passkey=None, actor: Actor
) -> PolicyOutcome:
    """A second admin approves a loosening another admin asked for: it applies now."""
    with transaction.atomic():
        tenant, admins = _as_admin(tenant, admin, code, passkey)
        change = _change(tenant, change_id)
        if refusal := rules.policy_change_refused(change, admin, timezone.now()):
            raise refusal
        old, new = rules.ApprovalPolicy.of_tenant(tenant), change.policy
        _apply(tenant, new)
        _decide(change, PolicyChangeStatus.APPLIED, admin)
        others = [person for person in admins if person.pk != admin.pk]
        events.policy_event(
            "approved", tenant, by=admin, people=others, old=old, new=new, asked=change.proposed_by
        )
        _audit(tenant, AuditAction.POLICY_SET, actor, old, new, admin, asked=change.proposed_by)
        return PolicyOutcome(tenant=tenant, applied=True)


def withdraw_policy_change(*, tenant: Tenant, change_id, admin, actor: Actor) -> PolicyOutcome:
    """Either admin withdraws a loosening that waits: the policy stays as it is."""
    with transaction.atomic():
        tenant, admins = _as_admin(tenant, admin, factor=False)
        change = _change(tenant, change_id)
        if change.status != PolicyChangeStatus.PENDING:
            raise rules.policy_change_refused(change, admin, timezone.now())
        _decide(change, PolicyChangeStatus.WITHDRAWN, admin)
        current = rules.ApprovalPolicy.of_tenant(tenant)
        others = [person for person in admins if person.pk != admin.pk]
        events.policy_event(
            "withdrawn",
            tenant,
            by=admin,
            people=others,
            old=current,
            new=change.policy,
            asked=change.proposed_by,
        )
        _audit(
            tenant,
            AuditAction.POLICY_WITHDRAWN,
            actor,
            current,
            change.policy,
            admin,
            asked=change.proposed_by,
        )
        return PolicyOutcome(tenant=tenant)


def waiting_change(tenant):
    """The loosening of `tenant`'s policy that waits for a second admin now, or None."""
    change = (
        PolicyChange.objects.filter(tenant=tenant, status=PolicyChangeStatus.PENDING)
        .select_related("proposed_by")
        .first()
    )
    if change is None or rules.policy_change_expired(change, timezone.now()):
        return None
    return change


# ---------------------------------------------------------------- the steps


def _as_admin(tenant, admin, code="", passkey=None, *, factor=True):
    """The tenant's row locked, and its admins; refuses one who is not an admin of it now,
    or (`factor`) who holds a second factor and did not give it right."""
    tenant = Tenant.objects.select_for_update(no_key=True).get(pk=tenant.pk)
    admins = list(admin_users(tenant=tenant))
    if admin.pk not in {person.pk for person in admins}:
        raise rules.not_tenant_admin(tenant, admin.email)
    if factor:
        _second_factor(admin, code, passkey)
    return tenant, admins


def _second_factor(admin, code, passkey):
    held = factors.kinds_of(admin)
    if not held:
        return
    code = factors.normalised(code)
    if passkey is not None and factors.PASSKEY in held:
        if passkey(admin):
            return
    elif code and factors.TOTP in held:
        if factors.matching_totp(admin, code) is not None:
            return
    else:
        raise Refusal(
            "second_factor_required",
            "You hold a second factor: give it again to change the approval policy (the "
            "code your authenticator app shows now, or your passkey).",
            {"factors": sorted(held)},
        )
    raise Refusal(
        "second_factor_incorrect",
        "That second factor is not right (or the code was used already). Try again with the "
        "code your app shows now, or your passkey.",
    )


def _waiting_change(tenant):
    return (
        PolicyChange.objects.select_for_update(no_key=True)
        .filter(tenant=tenant, status=PolicyChangeStatus.PENDING)
        .first()
    )


def _change(tenant, change_id):
    """The tenant's change `change_id`, locked; refused as gone if there is none."""
    change = (
        PolicyChange.objects.select_for_update(no_key=True)
        .filter(tenant=tenant, pk=change_id)
        .first()
        if isinstance(change_id, int) or str(change_id).isdigit()
        else None
    )
    if change is None:
        raise Refusal(
            "policy_change_not_pending",
            "There is no such change of the approval policy waiting. Reload the page to see "
            "the policy as it is.",
        )
    return change


def _apply(tenant, policy):
    tenant.two_approvers_from_cents = policy.two_from_cents
    tenant.two_approvers_for_bypassed_batches = policy.bypassed_batches
    tenant.save(update_fields=["two_approvers_from_cents", "two_approvers_for_bypassed_batches"])


def _decide(change, status, admin):
    change.status = status
    change.decided_by = admin
    change.decided_at = timezone.now()
    change.save(update_fields=["status", "decided_by", "decided_at"])


def _audit(tenant, action, actor, old, new, admin, asked=None):
    """The chain head last: it is held until the commit."""
    data = {"before": old.as_json(), "after": new.as_json(), "admin": admin.email}
    if asked is not None:
        data["asked_by"] = asked.email
    record_entry(tenant=tenant, action=action, actor=actor, data=data)
