"""What the services of an unlock share: reading a request locked, refusing on the record,
and telling who hears of a change."""

from audit.models import AuditAction
from audit.services import record_entry
from core.refusals import Refusal
from unlocks import events, rules
from unlocks.models import UnlockRequest
from unlocks.selectors import locked_request


def audited(refusal):
    """Mark a refusal whose attempt is in the audit trail, so a front end can say so."""
    refusal.audited = True
    return refusal


def lock_request(request_id, *, with_tenant=False):
    """The request with its tenant and targets, its row locked (and the tenant's, `with_tenant`:
    the lock order of `unlocks.services`), or the not_found refusal."""
    try:
        return locked_request(request_id, with_tenant=with_tenant)
    except UnlockRequest.DoesNotExist:
        raise rules.no_such_request(request_id) from None


def not_pending(request):
    return Refusal(
        "request_not_pending",
        f"This request is {request.status} and can no longer change. Open a new request "
        "if the records still need unlocking.",
        {"status": request.status},
    )


def refuse(request, refusal, actor, data=None, action=AuditAction.VERIFY_REFUSED):
    """Audit a refusal of a step on `request`; returns it, to raise once committed."""
    record_entry(
        tenant=request.tenant,
        action=action,
        actor=actor,
        request=request,
        code=refusal.code,
        data=data,
    )
    return audited(refusal)


def announce(event, request, *, admins=None, checkpoint=None):
    """Write who hears of the change, and what they are told, onto the outbox in its
    transaction (unlocks/events.py); the outbox hands them over once it commits.

    `admins`: the tenant's admins, where the change has read them already; `checkpoint`:
    the signed checkpoint a "covered" event names."""
    events.request_event(event, request, admins=admins, checkpoint=checkpoint)
