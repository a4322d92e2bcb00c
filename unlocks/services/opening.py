"""Opening an unlock request (SPEC rules 1 to 4, 9 and 10): judged at once, created only
when every target passes, the refused attempt audited."""

from django.conf import settings
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from accounts.selectors import caller_and_admins
from audit.actors import Actor
from audit.models import AuditAction
from audit.services import record_entry
from unlocks import inputs, rules
from unlocks.in_the_books import as_shown
from unlocks.models import UnlockRequest, UnlockTarget
from unlocks.outlook import ask_books, judge_named, show_books
from unlocks.selectors import targets_with_money
from unlocks.services.shared import announce, audited


def open_request(
    *,
    tenant: str,
    targets: list,
    caller_name: str,
    caller_email: str,
    channel: str,
    reason: str,
    ticket: str = "",
    window_hours: int | None = None,
    actor: Actor,
) -> UnlockRequest:
    """Open a pending request, or refuse (and audit the attempt) if a target breaks a rule.

    `window_hours`: how long approving unlocks for (UNLOCK_WINDOW_HOURS if None)."""
    specs = inputs.target_specs(targets)
    if window_hours is None:
        window_hours = settings.UNLOCK_WINDOW_HOURS
    if refusal := rules.window_hours_invalid(window_hours):
        raise refusal
    caller_name, caller_email = inputs.caller(caller_name, caller_email)
    ask = {
        "caller_name": caller_name,
        "caller_email": caller_email,
        "channel": inputs.channel(channel),
        "reason": inputs.reason(reason),
        "ticket": inputs.ticket(ticket),
        "window_hours": window_hours,
    }
    tenant_obj, views, refusals = judge_named(tenant, specs)
    if refusals:
        raise _refused(tenant_obj, specs, refusals, ask, actor)
    # Asked before the transaction: a slow QuickBooks holds no lock.
    booked = ask_books(tenant_obj, views)
    with transaction.atomic():
        return _create(tenant_obj, views, ask, actor, booked)


def _refused(tenant, specs, refusals, ask, actor):
    """Audit a refused opening (nothing is created); returns the first refusal, the others
    in its details."""
    first = refusals[0]
    if len(refusals) > 1:
        first.details["other_refusals"] = [r.as_dict() for r in refusals[1:]]
    with transaction.atomic():
        record_entry(
            tenant=tenant,
            action=AuditAction.OPEN_REFUSED,
            actor=actor,
            code=first.code,
            data={
                "targets": [{"type": t, "number": n} for t, n in specs],
                "codes": [r.code for r in refusals],
                "caller_email": ask["caller_email"],
                "channel": ask["channel"],
            },
        )
    return audited(first)


def _create(tenant, views, ask, actor, booked):
    membership, admins = caller_and_admins(tenant=tenant, email=ask["caller_email"])
    request = UnlockRequest.objects.create(
        tenant=tenant,
        caller_user=membership.user if membership else None,
        caller_is_tenant_admin=rules.is_tenant_admin(membership),
        opened_by=actor.label,
        expires_at=rules.expires_at(timezone.now()),
        **ask,
    )
    UnlockTarget.objects.bulk_create(
        [
            UnlockTarget(
                request=request,
                record_type=v.type,
                number=v.number,
                state_at_open=v.state,
                warnings=v.warnings,
                **{v.type: v.record},
            )
            for v in views
        ]
    )
    # The event's emails and webhooks, and the caller's answer, read the targets: once.
    prefetch_related_objects([request], targets_with_money())
    # And its approvals (`UnlockRequest.approvals_in_order`): none yet, unread.
    request.approvals_given = []
    # The approval link's email says what the books hold of each target.
    show_books(request, booked)
    announce("created", request, admins=admins)
    # The audit entry last: it locks the tenant's chain head, which every change of the
    # tenant waits for, so the lock is held only for its insert and the commit.
    record_entry(
        tenant=tenant,
        action=AuditAction.REQUEST_OPENED,
        actor=actor,
        request=request,
        data={
            "targets": [
                {"type": v.type, "number": v.number, "state": v.state, "warnings": v.warnings}
                for v in views
            ],
            "caller_name": ask["caller_name"],
            "caller_email": ask["caller_email"],
            "channel": ask["channel"],
            "reason": ask["reason"],
            "ticket": ask["ticket"],
            "window_hours": ask["window_hours"],
            # What the books held of the targets when it was opened (SPEC rule 14).
            **as_shown(booked, views),
        },
    )
    return request
