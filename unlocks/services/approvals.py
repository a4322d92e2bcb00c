"""Two approvers where the tenant asks (SPEC rule 13): each approval recorded as its own
row and audit entry; the first of two unlocks nothing and tells the tenant's other admins.

Called by `approval` on the locked request (and tenant) once every guard has passed, so
the policy read here is the one no policy change can move under it (a change locks the
tenant's row too).
"""

from audit.models import AuditAction
from audit.services import record_entry
from unlocks.in_the_books import as_shown
from unlocks.models import Approval
from unlocks.money import decimal_amount
from unlocks.outlook import stake_of
from unlocks.services.shared import announce


def needed_now(request, targets):
    """How many approvals the request needs now (`rules.ApprovalsNeeded`): its total at
    stake judged on the locked rows, under the policy it started with, or its tenant's
    while nobody has approved it yet."""
    return request.approvals_needed(stake_of(targets, request.tenant.currency))


def record_approval(request, approver, consent, now, approved_with, needed):
    """Add the approver's approval, and fix the policy the request is judged under from
    its first approval on; returns every approval of the request, oldest first, which
    the request then carries for every door that shows it."""
    approval = Approval.objects.create(
        request=request,
        approver=approver,
        at=now,
        approved_with=approved_with,
        consent_version=consent.version,
        consent_sha256=consent.sha256,
    )
    if request.approval_policy is None:
        request.approval_policy = needed.policy.as_json()
        request.save(update_fields=["approval_policy"])
    request.approvals_given = [*request.approvals_in_order, approval]
    return request.approvals_given


def awaiting_another(approvals, needed):
    """Whether the approvals given fall short of those needed: the request stays pending."""
    return len(approvals) < needed.required


def first_of_two(request, approvals, needed, consent, actor, targets, booked):
    """The first of two approvals: the request stays pending and unlocks nothing; its
    audit entry names who approved with what (and what they were shown of the customer's
    books), and the tenant's other admins are told."""
    approval = approvals[-1]
    request.save(update_fields=["window_hours"])
    announce("approval_recorded", request)
    record_entry(
        tenant=request.tenant,
        action=AuditAction.APPROVAL_RECORDED,
        actor=actor,
        request=request,
        state_before=request.status,
        state_after=request.status,
        consent_version=consent.version,
        consent_sha256=consent.sha256,
        data={
            "approver": approval.approver.email,
            "approved_with": approval.approved_with,
            "approvals": len(approvals),
            "approvals_required": needed.required,
            "because": needed.because,
            "total": str(decimal_amount(needed.total_cents)),
            "currency": request.tenant.currency,
            "window_hours": request.window_hours,
            # What the approver was shown of the customer's books (SPEC rule 14).
            **as_shown(booked, targets),
        },
    )
