"""Pages of the unlock flow for tenant admins: approve with the PIN, receipts, the list.

Views only read through selectors and change state through `unlocks.services`; a
`Refusal` becomes what the page shows in one place, `_show_refusal`. Every page
answers `Cache-Control: no-store`, and the PIN never reaches a log (sensitive
POST parameter), a URL (POST only) or a re-rendered form (PasswordInput).
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from accounts.selectors import admin_membership, membership_of, tenants_administered_by
from audit.actors import Actor, request_context
from unlocks import rules, services
from unlocks.consent import current_consent
from unlocks.forms import ApprovalForm
from unlocks.links import approval_token, request_id_from_token
from unlocks.models import LockState, RecordType, RequestStatus
from unlocks.refusals import HTTP_STATUS, Refusal
from unlocks.rules import RULE_CODES
from unlocks.selectors import (
    bypassed_in_batches,
    receipt_for,
    request_with_targets,
    requests_for,
)

# Where a refusal shows on the PIN page: next to a field, or (absent here) above the form.
REFUSAL_FIELD = {
    "pin_incorrect": "pin",
    "consent_required": "consent_accepted",
    "consent_stale": "consent_accepted",
    "duplicate_risk_not_acknowledged": "duplicate_risk_acknowledged",
}
# The service speaks to whoever relays it (often an agent); the page speaks to the admin.
PAGE_MESSAGE = {
    "consent_required": "Tick that you accept the consent text, then enter the PIN again.",
    "consent_stale": (
        "The consent text changed while this page was open. Read the new text above, "
        "accept it again, and enter the PIN again."
    ),
    "duplicate_risk_not_acknowledged": (
        "Exporting these records again can duplicate entries in QuickBooks. Tick that you "
        "understand the risk to go ahead (or add the items by hand in QuickBooks instead), "
        "and enter the PIN again."
    ),
}

PAGE_SIZE = 50


def _not_found(request, what="page"):
    return render(request, "unlocks/not_found.html", {"what": what}, status=404)


def _member_or_none(request, unlock):
    """The signed-in user's membership in the request's tenant: outsiders get None (a 404)."""
    if unlock is None:
        return None
    return membership_of(tenant=unlock.tenant, user=request.user)


def _unlock_from_token(token):
    request_id = request_id_from_token(token)
    return request_with_targets(request_id) if request_id else None


@never_cache
@sensitive_post_parameters("pin")
@login_required
@require_http_methods(["GET", "POST"])
def approve(request, token):
    unlock = _unlock_from_token(token)
    membership = _member_or_none(request, unlock)
    if membership is None:
        return _not_found(request, "approval link")
    closed = unlock.status_now != RequestStatus.PENDING

    consent = current_consent()
    if request.method == "POST":
        form = ApprovalForm(request.POST)
        # A closed request still goes to the service, which records the attempt (and an
        # expiry that is due) and answers request_not_pending.
        if form.is_valid() or closed:
            data = form.cleaned_data if form.is_valid() else {}
            try:
                services.verify_and_unlock(
                    request_id=unlock.pk,
                    approver_email=request.user.email,
                    pin=data.get("pin", ""),
                    consent_version=data.get("consent_version"),
                    consent_accepted=data.get("consent_accepted", False),
                    duplicate_risk_acknowledged=data.get("duplicate_risk_acknowledged", False),
                    actor=Actor.for_user(request.user, **request_context(request)),
                )
            except Refusal as refusal:
                return _show_refusal(request, unlock.pk, refusal)
            return redirect("receipt", request_id=unlock.pk)
        return _page(request, unlock, form, consent, status=400)
    if closed:
        return _closed(request, unlock)

    # Shown before any PIN is typed; on POST the service decides, on locked rows.
    if refusal := rules.not_tenant_admin(unlock.tenant, request.user.email, membership):
        return _page(request, unlock, None, consent, refusal=refusal, status=403)
    form = ApprovalForm(initial={"consent_version": consent.version})
    return _page(request, unlock, form, consent)


def _show_refusal(request, request_id, refusal):
    """The one place a service refusal becomes what the PIN page shows."""
    status = HTTP_STATUS.get(refusal.code, 400)
    unlock = request_with_targets(request_id)
    if unlock is None:
        return _not_found(request, "unlock request")
    if refusal.code == "request_not_pending":
        # The same answer as opening a dead link: gone.
        return _closed(request, unlock, refusal=refusal, status=410)
    if refusal.code in RULE_CODES:
        return _closed(request, unlock, refusal=refusal, status=status)
    consent = current_consent()
    if refusal.code == "not_tenant_admin":
        return _page(request, unlock, None, consent, refusal=refusal, status=status)

    # Re-bind what was sent, with the current consent version; a changed text is
    # accepted afresh, so its tick is cleared. The PIN is never rendered back.
    data = request.POST.copy()
    data["consent_version"] = str(consent.version)
    if refusal.code == "consent_stale":
        data.pop("consent_accepted", None)
    form = ApprovalForm(data)
    form.is_valid()
    message = PAGE_MESSAGE.get(refusal.code, refusal.message)
    form.add_error(REFUSAL_FIELD.get(refusal.code), message)
    return _page(
        request,
        unlock,
        form,
        consent,
        status=status,
        consent_changed=refusal.code == "consent_stale",
        duplicate_risk=refusal.code == "duplicate_risk_not_acknowledged",
    )


def _page(
    request,
    unlock,
    form,
    consent,
    *,
    refusal=None,
    status=200,
    consent_changed=False,
    duplicate_risk=False,
):
    tenant = unlock.tenant
    now = timezone.now()
    targets = list(unlock.targets.all())
    # What approving would do now, judged by the service's own rules.
    judged = services.preview_pending(unlock)
    refusal_of = {
        (r.details["target"]["type"], r.details["target"]["number"]): r
        for r in judged.refusals
        if "target" in r.details
    }
    duplicate_risk = duplicate_risk or rules.needs_duplicate_risk_ack(judged.targets)
    risky_now = {(v["type"], v["number"]) for v in judged.targets if v["warnings"]}
    opens_with = bypassed_in_batches(
        [t.batch_id for t in targets if t.record_type == RecordType.BATCH]
    )
    context = {
        "unlock": unlock,
        "tenant": tenant,
        "targets": [
            _target_view(
                t,
                opens_with,
                refusal_of.get((t.record_type, t.number)),
                risky=(t.record_type, t.number) in risky_now,
            )
            for t in targets
        ],
        "duplicate_risk": duplicate_risk,
        "consent": consent,
        "consent_changed": consent_changed,
        "form": form,
        "refusal": refusal,
        "pin_locked_until": tenant.pin_locked_until if rules.pin_locked_now(tenant, now) else None,
    }
    return render(request, "unlocks/approve.html", context, status=status)


def _target_view(target, opens_with, refusal, *, risky):
    record = target.record
    state = record.state if record is not None else target.state_at_open
    if refusal is not None:
        outcome = f"{refusal.message} As it is now, approving refuses the request."
    elif target.record_type == RecordType.BATCH:
        contents = opens_with.get(target.batch_id, {"invoices": [], "payments": []})
        names = contents["invoices"] + contents["payments"]
        outcome = (
            f"Goes back to open with its bypassed transactions ({', '.join(names)}), "
            "ready to export again."
            if names
            else "Goes back to open, ready to export again."
        )
    elif state == LockState.IMPORTED:
        outcome = "Goes back to open: you can edit it and export it to QuickBooks."
    else:
        outcome = "Goes back to open: you can edit it and export it again."
    return {
        "type": target.get_record_type_display(),
        "number": target.number,
        "state": LockState(state).label,
        "outcome": outcome,
        # As approving would judge it now, not as recorded at opening.
        "duplicate_risk": risky,
    }


def _closed(request, unlock, *, refusal=None, status=410):
    """The link of a request that is no longer pending: it says what became of it."""
    is_admin = admin_membership(tenant=unlock.tenant, email=request.user.email) is not None
    context = {
        "unlock": unlock,
        "tenant": unlock.tenant,
        "status": unlock.status_now,
        "refusal": refusal,
        "show_receipt": is_admin and unlock.status == RequestStatus.COMPLETED,
    }
    return render(request, "unlocks/closed.html", context, status=status)


@never_cache
@login_required
@require_GET
def receipt(request, request_id):
    unlock = request_with_targets(request_id)
    membership = _member_or_none(request, unlock)
    if membership is None:
        return _not_found(request, "receipt")
    if not rules.is_tenant_admin(membership):
        return _admins_only(request, unlock.tenant)
    data = receipt_for(unlock)
    if data is None:
        return _not_found(request, "receipt")
    return render(request, "unlocks/receipt.html", {"receipt": data, "unlock": unlock})


@never_cache
@login_required
@require_GET
def tenant_requests(request):
    tenants = list(tenants_administered_by(user=request.user))
    if not tenants:
        return _admins_only(request, None)
    page = Paginator(requests_for().filter(tenant__in=tenants), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = []
    for unlock in page.object_list:
        # Until the sweep runs, a pending request past its time is expired all the same.
        status = unlock.status_now
        rows.append(
            {
                "unlock": unlock,
                "status": status.label,
                "status_code": status,
                "approve_token": approval_token(unlock)
                if status == RequestStatus.PENDING
                else None,
            }
        )
    return render(
        request, "unlocks/requests.html", {"tenants": tenants, "page": page, "rows": rows}
    )


def _admins_only(request, tenant):
    return render(request, "unlocks/admins_only.html", {"tenant": tenant}, status=403)
