"""Pages of the unlock flow for tenant admins: approve with the PIN, receipts, the list.

Views only read through selectors and change state through `unlocks.services`; a
`Refusal` becomes what the page shows in one place, `_show_refusal`. Every page
answers `Cache-Control: no-store`, and the PIN never reaches a log (sensitive
POST parameter), a URL (POST only) or a re-rendered form (PasswordInput).
"""

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import factors
from accounts.models import Role
from accounts.selectors import (
    admin_membership,
    admins_of_tenants,
    membership_of,
    memberships_of_user,
    tenants_administered_by,
)
from audit.actors import Actor, request_context
from core.refusals import HTTP_STATUS, Refusal
from unlocks import money, rules, services
from unlocks.consent import current_consent
from unlocks.forms import ApprovalForm, RecordLookupForm, RelockForm
from unlocks.links import approval_token, request_id_from_token
from unlocks.models import Channel, LockState, RecordType, RequestStatus
from unlocks.rules import RULE_CODES
from unlocks.selectors import (
    batch_totals,
    bypassed_in_batches,
    receipt_for,
    records_numbered,
    request_with_targets,
    requests_for,
)
from unlocks.when import until_in_words

# Where a refusal shows on the PIN page: next to a field, or (absent here) above the form.
REFUSAL_FIELD = {
    "pin_incorrect": "pin",
    "second_factor_required": "admin_code",
    "second_factor_incorrect": "admin_code",
    "consent_required": "consent_accepted",
    "consent_stale": "consent_accepted",
    "duplicate_risk_not_acknowledged": "duplicate_risk_acknowledged",
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
}


def _page_message(refusal):
    """A refusal in the admin's words: no "tenant", no "verification", no codes."""
    if refusal.code == "pin_incorrect":
        left = refusal.details["attempts_left"]
        return (
            f"That PIN is not right. {left} {'try is' if left == 1 else 'tries are'} left "
            "before approving is paused for this account. Check the PIN and enter it again."
        )
    return PAGE_MESSAGE.get(refusal.code, refusal.message)


PAGE_SIZE = 50

# How the customer asked, in their words ("Pat Morgan asked support by phone").
CHANNEL_WORDS = {
    Channel.PHONE: "by phone",
    Channel.EMAIL: "by email",
    Channel.CHAT: "in a chat",
    Channel.API: "through the helpdesk",
}


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
@sensitive_post_parameters("pin", "admin_code")
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
                    window_hours=data.get("window_hours"),
                    admin_code=data.get("admin_code", ""),
                    passkey=_passkey_check(request, data.get("passkey")),
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
    form = ApprovalForm(
        initial={"consent_version": consent.version, "window_hours": unlock.window_hours}
    )
    return _page(request, unlock, form, consent)


def _passkey_check(request, posted):
    """What the service calls to check the approver's passkey answer against this session's
    challenge (django-otp-webauthn verifies it); None when no passkey was used."""
    if not posted:
        return None
    try:
        answer = json.loads(posted)
    except ValueError:
        answer = {}

    def check(approver):
        return factors.matching_passkey(request, approver, answer) is not None

    return check


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
    # A one-time code or passkey answer is spent, right or wrong: never written back.
    data.pop("admin_code", None)
    data.pop("passkey", None)
    form = ApprovalForm(data)
    form.is_valid()
    message = _page_message(refusal)
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
        # "3 records, $1,637.50 in all": how much of the books approving reopens.
        "stake": unlock.at_stake(),
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
        # A member is told who can approve: the account's admins, by name.
        "admins": _and((a.get_full_name() for a in admins_of_tenants([tenant])[tenant.pk]), "or")
        if refusal is not None
        else "",
        "opened_by": _opened_by(unlock),
        "channel": CHANNEL_WORDS[unlock.channel],
        # While the PIN is locked the page leads with the lock and offers no Approve button.
        "pin_lock": {
            "until": tenant.pin_locked_until,
            "in_words": until_in_words(tenant.pin_locked_until, now),
        }
        if rules.pin_locked_now(tenant, now)
        else None,
        # What the page asks after the PIN and consent: the approver's own second factor.
        "second_factor": _second_factor_view(tenant, request.user),
    }
    return render(request, "unlocks/approve.html", context, status=status)


def _opened_by(unlock):
    """Who opened the request, as the customer knows them: an agent by first name, or
    support (an API client's name means nothing to them)."""
    name = getattr(unlock, "opener_full_name", None)
    return f"{name.split()[0]} from support" if name and name.strip() else "support"


def _second_factor_view(tenant, approver):
    held = factors.kinds_of(approver)
    return {
        "needed": rules.second_factor_needed(
            tenant_requires=tenant.approval_requires_second_factor, approver_factors=held
        ),
        "totp": factors.TOTP in held,
        "passkey": factors.PASSKEY in held,
        "none_held": not held,
    }


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
        # What the admin recognises it by: customer, amount and date, or a batch's total.
        "target": target,
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
    unlock, data, refused = _receipt_of(request, request_id)
    if refused is not None:
        return refused
    return _receipt_page(request, unlock, data)


def _receipt_of(request, request_id):
    """(the request, its receipt, None) for an admin of its tenant; else (None, None, the
    page that says no): 404 for outsiders and for a request with no receipt, 403 for members."""
    unlock = request_with_targets(request_id)
    membership = _member_or_none(request, unlock)
    if membership is None:
        return None, None, _not_found(request, "receipt")
    if not rules.is_tenant_admin(membership):
        return None, None, _admins_only(request, unlock.tenant)
    data = receipt_for(unlock)
    if data is None:
        return None, None, _not_found(request, "receipt")
    return unlock, data, None


def _receipt_page(request, unlock, data, *, form=None, refusal=None, status=200):
    if form is None and unlock.in_window:
        form = RelockForm()
    context = {"receipt": data, "unlock": unlock, "relock_form": form, "refusal": refusal}
    return render(request, "unlocks/receipt.html", context, status=status)


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


# ---------------------------------------------------------------- "was this exported?"

# A record's state as its own people read it: why it is (or is not) locked.
STATE_IN_WORDS = {
    LockState.OPEN: "Open: it is not locked. You can edit it and export it as it is.",
    LockState.BYPASSED: "Bypassed: it was handled outside the export to the accounting "
    "system, so it is locked (read-only) and will not be exported.",
    LockState.IMPORTED: "Imported: it came in from another system, so it is locked (read-only).",
    LockState.EXPORTED: "Exported: it is in the accounting system, so it is locked (read-only), "
    "and support cannot unlock it while it is exported.",
}
EXPORTED_BATCH_IN_WORDS = (
    "Exported: it is in the accounting system, so it is locked (read-only) for good. Support "
    "can never unlock an exported batch."
)
# How many records one number may find in one account (a batch, an invoice and a payment
# may share a number) and in all of a person's accounts.
LOOKUP_LIMIT = 10


@never_cache
@login_required
@require_GET
def records(request):
    """A tenant's people look one of its records up: its state, its history and what support
    would answer to an unlock, judged as the agent's lookup judges it. Creates nothing."""
    memberships = memberships_of_user(user=request.user)
    if not memberships:
        return render(request, "unlocks/records_no_account.html", status=403)
    form = RecordLookupForm(request.GET or None, tenants=[m.tenant for m in memberships])
    context = {"form": form, "support": _support_contact()}
    if not form.is_bound:
        return render(request, "unlocks/records.html", context)
    if not form.is_valid():
        # An account that is not theirs (or not at all) is not found, never refused.
        status = 404 if "tenant" in form.errors else 400
        return render(request, "unlocks/records.html", context, status=status)

    number, tenant = form.cleaned_data["number"], form.cleaned_data["tenant"]
    found = []
    for each in [tenant] if tenant else [m.tenant for m in memberships]:
        found += records_numbered(number=number, tenant=each, limit=LOOKUP_LIMIT)
    found = found[:LOOKUP_LIMIT]
    context.update(number=number, tenant=tenant)
    if not found:
        return render(request, "unlocks/records.html", context, status=404)
    administered = {m.tenant_id for m in memberships if m.role == Role.ADMIN}
    admins = admins_of_tenants(list({r.tenant_id: r.tenant for r in found}.values()))
    consent = current_consent()
    context["cards"] = [
        _record_card(r, admins=admins[r.tenant_id], is_admin=r.tenant_id in administered)
        for r in found
    ]
    context["consent"] = consent
    return render(request, "unlocks/records.html", context)


def _support_contact():
    return {"email": settings.SUPPORT_EMAIL, "phone": settings.SUPPORT_PHONE}


def _record_card(found, *, admins, is_admin):
    """One record as its tenant reads it, with what support would answer (`preview_request`,
    the agent's own judgement) and what to do next."""
    tenant = found.tenant
    looked = services.look_up(found)
    record, batch, preview = looked.record, looked.batch, looked.preview
    is_batch = record.record_type == RecordType.BATCH
    members = [_member_row(tenant, m) for m in looked.members]
    # Read once: the label and the words under it say the same state.
    state = record.state_now
    return {
        "tenant": tenant,
        "record": record,
        "label": RecordType(record.record_type).label,
        "state": LockState(state).label,
        "why": EXPORTED_BATCH_IN_WORDS
        if is_batch and state == LockState.EXPORTED
        else STATE_IN_WORDS[state],
        "batch": None if is_batch else batch,
        "batch_url": _lookup_url(tenant, batch.number) if batch is not None else "",
        "members": members,
        "preview": preview,
        "answer": _answer(tenant, preview, record, members),
        "warnings": preview.targets[0]["warnings"] if preview.ok else [],
        "pending": [_request_row(r, is_admin) for r in looked.pending],
        "past": [_request_row(r, is_admin) for r in looked.past],
        "identity": _identity(tenant, record),
        "admins": admins,
        "admins_or": _and((user.get_full_name() for user in admins), "or"),
        "is_admin": is_admin,
    }


def _and(names, joiner="and"):
    """Names as a sentence says them: "INV-1003 and PAY-1002"."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {joiner} {names[-1]}"


def _identity(tenant, record):
    """What people confirm a record by: a transaction's customer, amount and date, a batch's
    count of transactions and their total (one aggregate query)."""
    if record.record_type == RecordType.BATCH:
        record.transaction_count, record.total_cents = batch_totals([record.pk])[record.pk]
    return money.identity(record, tenant.currency)


def _lookup_url(tenant, number):
    return reverse("records") + "?" + urlencode({"tenant": tenant.slug, "number": number})


def _member_row(tenant, member):
    state = member.state_now
    return {
        "number": member.number,
        "url": _lookup_url(tenant, member.number),
        "type": RecordType(member.record_type).label,
        "customer": member.customer,
        "amount": money.format_money(member.amount_cents, tenant.currency),
        "date": member.date,
        "state": LockState(state).label,
        "state_code": state,
        "locked": state in member.LOCKED_STATES,
    }


def _answer(tenant, preview, record, members):
    """What support would answer, in a line, and the records the route goes through."""
    if preview.ok:
        # A batch opens with its bypassed transactions.
        opens = [m["number"] for m in members if m["state_code"] == LockState.BYPASSED]
        return {
            "accepted": True,
            "headline": "Accepted: support can unlock it.",
            "opens_with": _and(opens) if record.record_type == RecordType.BATCH else "",
        }
    refusal = preview.refusals[0]
    details = refusal.details
    named = [*details.get("invoices", []), *details.get("payments", [])]
    if refusal.code == "exported_batch":
        headline = (
            f"Refused: exported. Bypass {_and(named)} instead."
            if named
            else "Refused: exported, and it holds no invoices or payments now."
        )
        route = named
    elif refusal.code == "exported_record":
        headline = f"Refused: exported. Bypass {record.number} first, then ask again."
        route = [record.number]
    elif refusal.code == "transactions_exported":
        others = [m["number"] for m in members if m["number"] not in named and m["locked"]]
        headline = (
            f"Refused: {_and(named)} in it {'was' if len(named) == 1 else 'were'} exported. "
            + (f"Ask for {_and(others)} one by one instead." if others else "")
        ).strip()
        route = others
    elif refusal.code == "not_locked":
        headline = "Nothing to unlock: it is open already."
        route = []
    else:
        headline, route = refusal.message, []
    return {
        "accepted": False,
        "headline": headline,
        # The record itself is not a link: this is its page.
        "route": [
            {"number": n, "url": "" if n == record.number else _lookup_url(tenant, n)}
            for n in route
        ],
        "refusals": preview.refusals,
    }


def _request_row(unlock, is_admin):
    status = unlock.status_now
    return {
        "unlock": unlock,
        "status": status.label,
        "status_code": status,
        # Only admins approve and read receipts; members see that it exists.
        "approve_token": approval_token(unlock)
        if is_admin and status == RequestStatus.PENDING
        else None,
        "receipt": is_admin and unlock.status == RequestStatus.COMPLETED,
    }
