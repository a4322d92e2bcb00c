"""The PIN page: a tenant admin reads what approving would do now (`outlook.for_request`),
accepts the consent, gives the account PIN (and their second factor) and approves."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import factors
from accounts.selectors import admin_membership, admins_by_second_factor, admins_of_tenants
from audit.actors import Actor, request_context
from core import times, words
from core.errors import error_body
from core.refusals import HTTP_STATUS, Refusal
from unlocks import outlook, rules, services
from unlocks.consent import consent_statement, current_consent, statement_challenge
from unlocks.links import approval_token, request_id_from_token
from unlocks.models import Channel, LockState, RecordType, RequestStatus
from unlocks.pages.forms import ApprovalForm, CancelForm
from unlocks.pages.shared import admins_only, and_join, member_or_none, not_found
from unlocks.rules import RULE_CODES
from unlocks.selectors import request_with_targets
from unlocks.when import until_in_words

# Where a refusal shows on the PIN page: next to a field, or (absent here) above the form.
REFUSAL_FIELD = {
    "pin_incorrect": "pin",
    "second_factor_required": "admin_code",
    "second_factor_incorrect": "admin_code",
    "second_factor_wait": "admin_code",
    "consent_required": "consent_accepted",
    "consent_stale": "consent_accepted",
    "duplicate_risk_not_acknowledged": "duplicate_risk_acknowledged",
    "found_in_quickbooks_unacknowledged": "found_in_quickbooks_acknowledged",
}
# The service speaks to whoever relays it (often an agent); the page speaks to the admin.
PAGE_MESSAGE = {
    "second_factor_required": (
        "Approving needs your second factor too: type the code your authenticator app shows "
        "now, or use your passkey, and enter the PIN again."
    ),
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
    "found_in_quickbooks_unacknowledged": (
        "Your QuickBooks already holds some of these records: exporting them again enters "
        "them twice. Tick that you understand to go ahead (or fix them in QuickBooks "
        "instead), and enter the PIN again."
    ),
}

# Where the consent statement a passkey is about to sign waits in the session.
PASSKEY_STATEMENT = "passkey_consent_statement"

# How the customer asked, in their words ("Pat Morgan asked support by phone").
CHANNEL_WORDS = {
    Channel.PHONE: "by phone",
    Channel.EMAIL: "by email",
    Channel.CHAT: "in a chat",
    Channel.API: "through the helpdesk",
}


def _page_message(refusal):
    """A refusal in the admin's words: no "tenant", no "verification", no codes."""
    if refusal.code == "second_factor_wait":
        wait = refusal.details["retry_after"]
        return (
            f"That code came too soon after a wrong one, so it was not checked and nothing "
            f"was counted. Wait {wait} {'second' if wait == 1 else 'seconds'}, then enter the "
            "PIN again with the code your app shows then."
        )
    if refusal.code == "pin_incorrect":
        left = refusal.details["attempts_left"]
        return (
            f"That PIN is not right. {left} {'try is' if left == 1 else 'tries are'} left "
            "before approving is paused for this account. Check the PIN and enter it again."
        )
    return PAGE_MESSAGE.get(refusal.code, refusal.message)


def _unlock_from_token(token):
    request_id = request_id_from_token(token)
    return request_with_targets(request_id) if request_id else None


@never_cache
@sensitive_post_parameters("pin", "admin_code")
@login_required
@require_http_methods(["GET", "POST"])
def approve(request, token):
    unlock = _unlock_from_token(token)
    membership = member_or_none(request, unlock)
    if membership is None:
        return not_found(request, "approval link")
    closed = unlock.status_now != RequestStatus.PENDING
    consent = current_consent()
    if request.method == "POST":
        form = ApprovalForm(request.POST)
        # A closed request still goes to the service, which records the attempt (and an
        # expiry that is due) and answers request_not_pending.
        if form.is_valid() or closed:
            data = form.cleaned_data if form.is_valid() else {}
            try:
                approved = _approve(request, unlock, data)
            except Refusal as refusal:
                return _show_refusal(request, unlock, token, refusal)
            if approved.status == RequestStatus.PENDING:
                # The first of two approvals: the page now says it waits for another admin.
                return redirect("approve", token=token)
            return redirect("receipt", request_id=unlock.pk)
        return _page(request, unlock, form, consent, status=400, membership=membership)
    if closed:
        return _closed(request, unlock)
    form = ApprovalForm(
        initial={"consent_version": consent.version, "window_hours": unlock.window_hours}
    )
    # One who is not an admin now is told so before any PIN is typed (the outlook says);
    # on POST the service decides, on locked rows.
    return _page(request, unlock, form, consent, tell_non_admins=True, membership=membership)


@never_cache
@login_required
@require_POST
def cancel(request, token):
    """A tenant admin cancels a request that awaits its second approval, with a reason."""
    unlock = _unlock_from_token(token)
    membership = member_or_none(request, unlock)
    if membership is None:
        return not_found(request, "approval link")
    if not rules.is_tenant_admin(membership):
        return admins_only(request, unlock.tenant)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _page(request, unlock, None, current_consent(), cancel_form=form, status=400)
    try:
        services.cancel_request(
            request_id=unlock.pk,
            reason=form.cleaned_data["reason"],
            admin=request.user,
            actor=Actor.for_user(request.user, **request_context(request)),
        )
    except Refusal as refusal:
        return _show_refusal(request, unlock, token, refusal)
    return redirect("approve", token=token)


def _approve(request, unlock, data):
    return services.verify_and_unlock(
        request_id=unlock.pk,
        approver_email=request.user.email,
        pin=data.get("pin", ""),
        consent_version=data.get("consent_version"),
        consent_accepted=data.get("consent_accepted", False),
        duplicate_risk_acknowledged=data.get("duplicate_risk_acknowledged", False),
        found_in_quickbooks_acknowledged=data.get("found_in_quickbooks_acknowledged", False),
        window_hours=data.get("window_hours"),
        admin_code=data.get("admin_code", ""),
        passkey=_passkey_check(request, data.get("passkey")),
        actor=Actor.for_user(request.user, **request_context(request)),
    )


@never_cache
@login_required
@require_POST
def approve_passkey(request, token):
    """The challenge the approver's passkey signs on this page: the hash of the consent
    statement (the consent, the request, its targets with amounts), so that the assertion
    kept with the approval is their own signature on what they consented to."""
    unlock = _unlock_from_token(token)
    membership = member_or_none(request, unlock)
    if membership is None:
        return _passkey_refusal(
            "not_found",
            "This approval link is not for you: open the link you were sent, signed in as "
            "yourself.",
            404,
        )
    if not rules.is_tenant_admin(membership):
        return _passkey_refusal(
            "not_tenant_admin", "Only an admin of the account can approve this request.", 403
        )
    if factors.PASSKEY not in factors.kinds_of(request.user):
        return _passkey_refusal(
            "no_passkey", "You have no passkey here: use a code from your authenticator app.", 400
        )
    statement = consent_statement(unlock, current_consent())
    request.session[PASSKEY_STATEMENT] = statement
    challenge = statement_challenge(statement)
    return JsonResponse(factors.passkey_request_options(request, request.user, challenge=challenge))


def _passkey_refusal(code, message, status):
    return JsonResponse(error_body(code, message), status=status)


def _passkey_check(request, posted):
    """What the service calls to check the approver's passkey answer against this session's
    challenge (django-otp-webauthn verifies it): the signed assertion with the statement it
    signed, or None when it does not verify; None instead of a check when no passkey was
    used."""
    if not posted:
        return None
    try:
        answer = json.loads(posted)
    except ValueError:
        answer = {}
    statement = request.session.pop(PASSKEY_STATEMENT, None)

    def check(approver):
        device = factors.matching_passkey(request, approver, answer)
        if device is None:
            return None
        signed = factors.signed_assertion(request, device, answer)
        # A challenge from the sign-in page signed no statement: the passkey still proves
        # who approved, and the bundle says it signed nothing more.
        return signed | {"statement": statement} if statement else signed

    return check


def _show_refusal(request, unlock, token, refusal):
    """The one place a service refusal becomes what the PIN page shows."""
    status = HTTP_STATUS.get(refusal.code, 400)
    unlock = request_with_targets(unlock.pk)
    if unlock is None:
        return not_found(request, "unlock request")
    if refusal.code in ("already_approved_by_you", "request_not_awaiting_approval"):
        # The page itself says who approved and what is left to do.
        messages.error(request, refusal.message)
        return redirect("approve", token=token)
    if refusal.code == "request_not_pending" and rules.repeats_own_approval(
        unlock, request.user.email
    ):
        # Their own approval sent again (a double click, or Back and send): their receipt.
        return redirect("receipt", request_id=unlock.pk)
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
    # A one-time code or passkey answer is spent, right or wrong: never written back.
    data.pop("admin_code", None)
    data.pop("passkey", None)
    form = ApprovalForm(data)
    form.is_valid()
    form.add_error(REFUSAL_FIELD.get(refusal.code), _page_message(refusal))
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
    tell_non_admins=False,
    membership=None,
    cancel_form=None,
):
    tenant = unlock.tenant
    # What approving would do now, judged by the services' own rules.
    membership = membership or member_or_none(request, unlock)
    ahead = outlook.for_request(unlock, approver=request.user, membership=membership)
    if tell_non_admins and ahead.approver_refusal is not None:
        form, refusal, status = None, ahead.approver_refusal, 403
    admins = admins_of_tenants([tenant])[tenant.pk] if refusal is not None else []
    found = [n for t in ahead.targets for n in t.found_in_quickbooks]
    if form is not None and found:
        form.fields["found_in_quickbooks_acknowledged"].label = words.ACKNOWLEDGE_FOUND.format(
            numbers=and_join(found, "and")
        )
    locked_until = ahead.pin_locked_until
    # The tenant requires a second factor and the admin holds none: told before the form,
    # with who can approve instead.
    factor_missing = refusal is None and bool(ahead.second_factor and ahead.second_factor.missing)
    holders = admins_by_second_factor(tenant=tenant)[0] if factor_missing else []
    context = {
        "unlock": unlock,
        "tenant": tenant,
        # "3 records, $1,637.50 in all": how much of the books approving reopens.
        "stake": ahead.total,
        "targets": [_target_view(t) for t in ahead.targets],
        "duplicate_risk": duplicate_risk or ahead.needs_duplicate_risk_ack,
        "found_in_quickbooks": bool(found),
        "found_advice": words.FOUND_IN_QUICKBOOKS,
        "consent": consent,
        "consent_changed": consent_changed,
        "form": form,
        "refusal": refusal,
        # A member is told who can approve: the account's admins, by name.
        "admins": and_join((a.get_full_name() for a in admins), "or"),
        "opened_by": _opened_by(unlock),
        "channel": CHANNEL_WORDS[unlock.channel],
        # While the PIN is locked the page leads with the lock and offers no Approve button.
        "pin_lock": {
            "until": locked_until,
            # In the admin's zone, UTC on hover.
            "in_words": times.time_html(
                locked_until, shown=until_in_words(locked_until, timezone.now())
            ),
        }
        if locked_until
        else None,
        # What the page asks after the PIN and consent: the approver's own second factor.
        "second_factor": ahead.second_factor,
        # How many approvals and why, who approved so far, and whether this admin did.
        "approvals": _approvals_view(ahead.approvals, request.user),
        "cancel_form": cancel_form or CancelForm(),
        "factor_missing": factor_missing,
        "factor_holders": and_join((a.get_full_name() for a in holders), "or"),
        # Where the passkey button gets its challenge: this request's consent statement.
        "passkey_begin": reverse("approve_passkey", args=[approval_token(unlock)]),
    }
    if context["approvals"]["mine"] is not None:
        # This admin approved already: another admin approves, nobody twice.
        context["form"] = None
    return render(request, "unlocks/approve.html", context, status=status)


def _approvals_view(approvals, user):
    """Rule 13 as the admin reads it: how many approvals and why, who approved, whether
    this admin did, and whether their approval would be the first of two."""
    given = approvals.given
    return {
        "required": approvals.required,
        "why": approvals.words("your account's"),
        "policy_on": approvals.needed.policy.on,
        "given": given,
        "mine": next((a for a in given if a.approver_id == user.pk), None),
        "first_of_two": approvals.required > 1 and not given,
        "awaiting_another": approvals.awaiting_another,
    }


def _opened_by(unlock):
    """Who opened the request, as the customer knows them: an agent by first name, or
    support (an API client's name means nothing to them)."""
    name = getattr(unlock, "opener_full_name", None)
    return f"{name.split()[0]} from support" if name and name.strip() else "support"


def _target_view(target):
    """One target of the outlook as the admin reads it: its state now, and what approving
    does to it (a bypassed batch names every transaction that opens with it)."""
    if target.refusals:
        outcome = f"{target.refusals[0].message} As it is now, approving refuses the request."
    elif target.is_batch:
        names = target.opens_with_numbers
        outcome = (
            f"Goes back to open with its bypassed transactions ({', '.join(names)}), "
            "ready to export again."
            if names
            else "Goes back to open, ready to export again."
        )
    elif target.state == LockState.IMPORTED:
        outcome = "Goes back to open: you can edit it and export it to QuickBooks."
    else:
        outcome = "Goes back to open: you can edit it and export it again."
    return {
        "type": RecordType(target.type).label,
        "number": target.number,
        "state": LockState(target.state).label,
        # What the admin recognises it by: customer, amount and date, or a batch's total.
        "target": target,
        "outcome": outcome,
        # As approving would judge it now, not as recorded at opening.
        "duplicate_risk": target.duplicate_risk,
        "quickbooks": target.quickbooks,
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
