"""The request page: status, timeline, approval link and records as approving would judge
them now (`outlook.for_request`), with verify on the phone, cancel and re-lock."""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters

from accounts.selectors import tenant_admins
from core import words
from core.refusals import Refusal
from core.words import in_words
from unlocks import outlook, services
from unlocks.consent import current_consent
from unlocks.console.forms import CancelForm, RelockForm, VerifyForm
from unlocks.console.shared import actor_for, render_page, require, show_refusal
from unlocks.console.timeline import timeline_for
from unlocks.evidence import covering_checkpoint, evidence_download
from unlocks.links import approval_url
from unlocks.models import RequestStatus
from unlocks.selectors import (
    request_with_targets,
)
from unlocks.when import time_left

# ---------------------------------------------------------------- the request page


def request_page(request, object_id):
    """The request's status, timeline, approval link and records, with verify and cancel."""
    unlock = request_with_targets(unquote(object_id))
    if unlock is None:
        return _missing(request, object_id)
    require(request, "view_unlockrequest")
    return _page(request, unlock)


def evidence(request, object_id):
    """The request's evidence bundle, as a file."""
    unlock = request_with_targets(unquote(object_id))
    if unlock is None:
        return _missing(request, object_id)
    require(request, "view_unlockrequest")
    return evidence_download(unlock)


def _missing(request, object_id):
    messages.warning(
        request,
        f"There is no unlock request with the id {object_id!r}. Search the list by "
        "ticket, caller email or record number.",
    )
    return redirect("admin:unlocks_unlockrequest_changelist")


def _page(request, unlock, verify_form=None, cancel_form=None, relock_form=None):
    targets = list(unlock.targets.all())
    consent = current_consent()
    admins = list(tenant_admins(tenant=unlock.tenant))
    # Past its expiry it reads as expired, with nothing left to do: acting would expire it.
    pending = unlock.status_now == RequestStatus.PENDING
    can_verify = pending and request.user.has_perm("unlocks.verify_unlockrequest")
    can_cancel = pending and request.user.has_perm("unlocks.cancel_unlockrequest")
    can_relock = unlock.in_window and request.user.has_perm("unlocks.relock_unlockrequest")
    if can_verify and verify_form is None:
        verify_form = VerifyForm(
            admins=admins,
            initial={"consent_version": consent.version, "window_hours": unlock.window_hours},
        )
    if can_cancel and cancel_form is None:
        cancel_form = CancelForm()
    if can_relock and relock_form is None:
        relock_form = RelockForm()
    # The duplicate risk as approving would judge it now, not as recorded at opening:
    # a risk that appeared since must be acknowledged, one that went needs no tick.
    ahead = outlook.for_request(unlock) if pending else None
    judged = {(t.type, t.number): t for t in ahead.targets} if ahead else {}
    rows = [_target_row(t, judged.get((t.record_type, t.number))) for t in targets]
    now = timezone.now()
    # While the tenant's PIN is locked the page shows the lock, and no form to try a PIN in.
    locked_until = ahead.pin_locked_until if ahead else None
    checkpoint = covering_checkpoint(unlock)
    return render_page(
        request,
        "admin/unlocks/request_page.html",
        f"Unlock request {str(unlock.pk)[:8]}",
        original=unlock,
        unlock=unlock,
        targets=targets,
        target_rows=rows,
        stake=ahead.total if ahead else unlock.at_stake(),
        timeline=timeline_for(unlock, checkpoint),
        checkpoint=checkpoint,
        approval_url=approval_url(unlock) if pending else "",
        consent=consent,
        needs_ack=bool(ahead) and ahead.needs_duplicate_risk_ack,
        needs_books_ack=bool(ahead) and ahead.needs_found_in_quickbooks_ack,
        found_in_quickbooks=[n for t in ahead.targets for n in t.found_in_quickbooks]
        if ahead
        else [],
        found_advice=words.FOUND_IN_QUICKBOOKS,
        duplicate_risk_text=words.DUPLICATE_RISK,
        verify_form=verify_form if can_verify else None,
        cancel_form=cancel_form if can_cancel else None,
        relock_form=relock_form if can_relock else None,
        admins=admins,
        pin_locked_until=locked_until,
        pin_lock_left=time_left(locked_until - now) if locked_until else "",
        refusal_words=in_words(unlock.refusal_code) if unlock.refusal_code else "",
        # How many approvals and why, and who approved so far (rule 13).
        approvals=outlook.approvals_of(unlock, ahead.total if ahead else None),
        # An approved request says what its unlock is now, beside "completed".
        unlock_now_said=words.UNLOCK_NOW[unlock.unlock_now.state] if unlock.unlock_now else "",
    )


def _target_row(target, judged):
    """A target of the request page: as approving would judge it now (`judged`, from the
    outlook, while it is pending: its state now, what opens with it, its duplicate risk),
    else as it was recorded and reads now."""
    if judged is None:
        return {
            "target": target,
            "now": target.record.state_now,
            "opens_with": [],
            "duplicate_risk": bool(target.warnings),
            "quickbooks": None,
        }
    return {
        "target": target,
        "now": judged.state,
        "opens_with": judged.opens_with_numbers,
        "duplicate_risk": judged.duplicate_risk,
        "quickbooks": judged.quickbooks,
    }


# ---------------------------------------------------------------- verify and cancel


def _posted(request, object_id, codename):
    """The request a form on its page was posted for, or the response that answers instead."""
    if request.method in ("GET", "HEAD"):
        # The address bar or the history opened a form's target: show the request instead.
        return None, redirect("admin:unlocks_unlockrequest_change", object_id)
    if request.method != "POST":
        return None, HttpResponseNotAllowed(["POST"])
    require(request, codename)
    unlock = request_with_targets(unquote(object_id))
    if unlock is None:
        return None, _missing(request, object_id)
    return unlock, None


@sensitive_post_parameters("pin", "admin_code")
def verify(request, object_id):
    """An admin on the phone gives the PIN and accepts the consent; unlock at once."""
    unlock, response = _posted(request, object_id, "verify_unlockrequest")
    if response:
        return response
    form = VerifyForm(request.POST, admins=tenant_admins(tenant=unlock.tenant))
    if form.is_valid():
        data = form.cleaned_data
        try:
            approved = services.verify_and_unlock(
                request_id=unlock.pk,
                approver_email=data["admin_email"],
                pin=data["pin"],
                consent_version=data["consent_version"],
                consent_accepted=data["consent_accepted"],
                duplicate_risk_acknowledged=data["duplicate_risk_acknowledged"],
                found_in_quickbooks_acknowledged=data["found_in_quickbooks_acknowledged"],
                window_hours=data["window_hours"],
                admin_code=data["admin_code"],
                actor=actor_for(request),
            )
        except Refusal as refusal:
            return _refused(request, unlock, refusal, verify_form=form)
        if approved.is_pending:
            messages.success(
                request,
                "Approval recorded, 1 of 2: nothing is unlocked until a second admin of the "
                "tenant approves too. Their admins were emailed the link.",
            )
        else:
            messages.success(request, "Approved: the records are unlocked.")
        return redirect("admin:unlocks_unlockrequest_change", unlock.pk)
    return _page(request, unlock, verify_form=form)


def cancel(request, object_id):
    """Cancel a pending request, with the agent's reason."""
    unlock, response = _posted(request, object_id, "cancel_unlockrequest")
    if response:
        return response
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.cancel_request(
                request_id=unlock.pk,
                reason=form.cleaned_data["reason"],
                actor=actor_for(request),
            )
        except Refusal as refusal:
            return _refused(request, unlock, refusal, cancel_form=form)
        messages.success(request, "Request cancelled.")
        return redirect("admin:unlocks_unlockrequest_change", unlock.pk)
    return _page(request, unlock, cancel_form=form)


def relock(request, object_id):
    """End an approved unlock now, with the agent's reason."""
    unlock, response = _posted(request, object_id, "relock_unlockrequest")
    if response:
        return response
    form = RelockForm(request.POST)
    if form.is_valid():
        try:
            services.relock_request(
                request_id=unlock.pk,
                reason=form.cleaned_data["reason"],
                actor=actor_for(request),
            )
        except Refusal as refusal:
            show_refusal(request, refusal)
            return redirect("admin:unlocks_unlockrequest_change", unlock.pk)
        messages.success(request, "Re-locked: what was still open is back at its lock.")
        return redirect("admin:unlocks_unlockrequest_change", unlock.pk)
    return _page(request, unlock, relock_form=form)


def _refused(request, unlock, refusal, **forms):
    """Next to the form while the request is pending; once closed, as a message."""
    # Read again: the refusal may have closed it (or a wrong PIN locked the tenant).
    unlock = request_with_targets(unlock.pk)
    if unlock.is_pending:
        show_refusal(request, refusal, next(iter(forms.values())))
        return _page(request, unlock, **forms)
    show_refusal(request, refusal)
    return redirect("admin:unlocks_unlockrequest_change", unlock.pk)
