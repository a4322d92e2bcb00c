""" "Was this exported?": a tenant's people look one of its records up, as the agent's lookup
judges it (`outlook.look_up`): its state in words, its history, and what support would
answer to an unlock, with what to do next. Creates nothing."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import Role
from accounts.selectors import admins_of_tenants, memberships_of_user
from core import words
from core.words import why_locked
from unlocks import money, outlook
from unlocks.consent import current_consent
from unlocks.links import approval_token
from unlocks.models import LockState, RecordType, RequestStatus
from unlocks.pages.forms import RecordLookupForm
from unlocks.pages.shared import and_join, status_in_words
from unlocks.selectors import records_numbered

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
    """One record as its tenant reads it, with what support would answer (`outlook.look_up`,
    the agent's own judgement) and what to do next."""
    tenant = found.tenant
    looked = outlook.look_up(found)
    record, batch, preview = looked.record, looked.batch, looked.outlook
    is_batch = record.record_type == RecordType.BATCH
    members = [_member_row(tenant, m) for m in looked.members]
    # Read once: the label and the words under it say the same state.
    state = record.state_now
    return {
        "tenant": tenant,
        "record": record,
        "label": RecordType(record.record_type).label,
        "state": LockState(state).label,
        "why": why_locked(record.record_type, state),
        "batch": None if is_batch else batch,
        "batch_url": _lookup_url(tenant, batch.number) if batch is not None else "",
        "members": members,
        "preview": preview,
        "answer": _answer(tenant, preview, record, members),
        "warnings": preview.targets[0].warnings if preview.ok else [],
        "duplicate_risk": preview.ok and preview.targets[0].duplicate_risk,
        "quickbooks": preview.targets[0].quickbooks if preview.ok else None,
        "found_advice": words.FOUND_IN_QUICKBOOKS,
        "pending": [_request_row(r, is_admin) for r in looked.pending],
        "past": [_request_row(r, is_admin) for r in looked.past],
        "identity": money.identity(record, tenant.currency),
        "admins": admins,
        "admins_or": and_join((user.get_full_name() for user in admins), "or"),
        "is_admin": is_admin,
    }


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
            "opens_with": and_join(opens) if record.record_type == RecordType.BATCH else "",
        }
    refusal = preview.refusals[0]
    details = refusal.details
    named = [*details.get("invoices", []), *details.get("payments", [])]
    if refusal.code == "exported_batch":
        headline = (
            f"Refused: exported. Bypass {and_join(named)} instead."
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
            f"Refused: {and_join(named)} in it {'was' if len(named) == 1 else 'were'} exported. "
            + (f"Ask for {and_join(others)} one by one instead." if others else "")
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
    said, style = status_in_words(unlock)
    return {
        "unlock": unlock,
        "status": said,
        "status_code": style,
        # Only admins approve and read receipts; members see that it exists.
        "approve_token": approval_token(unlock)
        if is_admin and status == RequestStatus.PENDING
        else None,
        "receipt": is_admin and unlock.status == RequestStatus.COMPLETED,
    }
