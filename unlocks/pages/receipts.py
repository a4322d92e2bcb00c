"""The receipt of an approved request, and ending its unlock early from it."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from audit.actors import Actor, request_context
from core.refusals import HTTP_STATUS, Refusal
from unlocks import rules, services
from unlocks.evidence import covering_checkpoint, evidence_download
from unlocks.pages.forms import RelockForm
from unlocks.pages.shared import admins_only, member_or_none, not_found
from unlocks.selectors import receipt_for, request_with_targets


@never_cache
@login_required
@require_GET
def receipt(request, request_id):
    unlock, data, refused = _receipt_of(request, request_id)
    if refused is not None:
        return refused
    return _receipt_page(request, unlock, data)


def _receipt_of(request, request_id):
    """(the request, its receipt, None) for an admin of its tenant; else (None, None, the
    page that says no): 404 for outsiders and for a request with no receipt, 403 for members."""
    unlock = request_with_targets(request_id)
    membership = member_or_none(request, unlock)
    if membership is None:
        return None, None, not_found(request, "receipt")
    if not rules.is_tenant_admin(membership):
        return None, None, admins_only(request, unlock.tenant)
    data = receipt_for(unlock)
    if data is None:
        return None, None, not_found(request, "receipt")
    return unlock, data, None


def _receipt_page(request, unlock, data, *, form=None, refusal=None, status=200):
    if form is None and unlock.in_window:
        form = RelockForm()
    # What each record is now, as the unlock knows it: open, exported in the window, or
    # back at its lock.
    now = unlock.unlock_now
    items = [
        {**item, "now": now.record_state(item["type"], item["number"], item["before"])}
        if now is not None
        else item
        for item in data["unlocked"]
    ]
    context = {
        "receipt": data,
        "items": items,
        "now": now,
        "unlock": unlock,
        "relock_form": form,
        "refusal": refusal,
        "checkpoint": covering_checkpoint(unlock),
    }
    return render(request, "unlocks/receipt.html", context, status=status)


@never_cache
@login_required
@require_GET
def receipt_evidence(request, request_id):
    """The approval's evidence bundle, as a file, for the admins who may read its receipt."""
    unlock, _data, refused = _receipt_of(request, request_id)
    if refused is not None:
        return refused
    return evidence_download(unlock)


@never_cache
@login_required
@require_POST
def receipt_relock(request, request_id):
    """A tenant admin ends the unlock now, from its receipt, with a reason."""
    unlock, data, refused = _receipt_of(request, request_id)
    if refused is not None:
        return refused
    form = RelockForm(request.POST)
    if not form.is_valid():
        return _receipt_page(request, unlock, data, form=form, status=400)
    try:
        services.relock_request(
            request_id=unlock.pk,
            reason=form.cleaned_data["reason"],
            actor=Actor.for_user(request.user, **request_context(request)),
        )
    except Refusal as refusal:
        unlock = request_with_targets(request_id)
        return _receipt_page(
            request, unlock, data, refusal=refusal, status=HTTP_STATUS.get(refusal.code, 400)
        )
    return redirect("receipt", request_id=unlock.pk)
