"""Closing a pending request without unlocking anything: cancelled with a reason, or
expired (SPEC rule 9) by the job or by whoever acts on it next."""

from django.db import transaction
from django.utils import timezone

from accounts.selectors import membership_by_email
from audit.actors import Actor
from audit.models import AuditAction
from audit.services import record_entry
from unlocks import inputs, rules
from unlocks.models import RequestStatus, UnlockRequest
from unlocks.services.shared import announce, lock_request, not_pending, refuse

NOT_APPROVED_IN_TIME = "Not approved in time."

_CLOSED_ACTION = {
    RequestStatus.CANCELLED: AuditAction.REQUEST_CANCELLED,
    RequestStatus.EXPIRED: AuditAction.REQUEST_EXPIRED,
}


def close(request, status, now, *, actor, reason=""):
    """Write a pending request's end (cancelled or expired), tell who hears of it, audit it."""
    request.status = status
    request.closed_at = now
    request.close_reason = reason
    request.save(update_fields=["status", "closed_at", "close_reason"])
    announce(status, request)
    record_entry(
        tenant=request.tenant,
        action=_CLOSED_ACTION[status],
        actor=actor,
        request=request,
        state_before=RequestStatus.PENDING,
        state_after=status,
        data={"reason": reason} if reason else {},
    )


def expire_if_due(request, now):
    """Expire a pending request (locked) whose time is up, as the system; True if it did."""
    if not request.is_overdue_at(now):
        return False
    close(request, RequestStatus.EXPIRED, now, actor=Actor.system(), reason=NOT_APPROVED_IN_TIME)
    return True


def cancel_request(*, request_id, reason: str, actor: Actor, admin=None) -> UnlockRequest:
    """Cancel a pending request, with the reason why. `admin`: the tenant's admin who
    cancels it (on the PIN page), who may cancel only one awaiting its second approval;
    support cancels any pending request."""
    reason = inputs.reason(reason, "a reason for cancelling")
    with transaction.atomic():
        request = lock_request(request_id)
        now = timezone.now()
        expired = expire_if_due(request, now)
        refusal = not_pending(request)
        if not expired and request.status == RequestStatus.PENDING:
            refusal = _admin_may_not_cancel(request, admin)
            if refusal is None:
                close(request, RequestStatus.CANCELLED, now, actor=actor, reason=reason)
                return request
        refusal = refuse(
            request, refusal, actor, data={"reason": reason}, action=AuditAction.CANCEL_REFUSED
        )
    raise refusal


def _admin_may_not_cancel(request, admin):
    """The refusal of a tenant admin's cancel (rules 5 and 13), or None (and None for
    support's)."""
    if admin is None:
        return None
    membership = membership_by_email(tenant=request.tenant, email=admin.email)
    return rules.not_tenant_admin(request.tenant, admin.email, membership) or (
        rules.admin_cancel_refused(request, request.approvals_in_order)
    )


def expire_requests(*, now=None, limit=500) -> int:
    """Expire pending requests past their time, as the system; returns how many.

    Each in a transaction of its own: a tenant's chain head is held for one entry at a
    time, never for many tenants at once (two runs could otherwise deadlock)."""
    now = now or timezone.now()
    due = list(
        UnlockRequest.objects.filter(status=RequestStatus.PENDING, expires_at__lte=now)
        .order_by("expires_at")
        .values_list("pk", flat=True)[:limit]
    )
    expired = 0
    for request_id in due:
        with transaction.atomic(durable=True):
            request = (
                UnlockRequest.objects.select_for_update(no_key=True, of=("self",), skip_locked=True)
                .select_related("tenant")
                .filter(pk=request_id, status=RequestStatus.PENDING)
                .first()
            )
            # Approved, cancelled or expired meanwhile, or being acted on now: not ours.
            if request is not None:
                close(
                    request,
                    RequestStatus.EXPIRED,
                    now,
                    actor=Actor.system(),
                    reason=NOT_APPROVED_IN_TIME,
                )
                expired += 1
    return expired
