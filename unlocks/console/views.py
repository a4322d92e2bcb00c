"""The console's pages: the work queue, record lookup, opening with a preview, the request
page, verify, cancel.

Each reads through the selectors and changes state only through `unlocks.services`, with
the agent as actor; a `Refusal` becomes a form error or an admin message in
`show_refusal`, and nowhere else. `unlocks.console.urls` serves them inside the admin
site, which signs agents in and guards against CSRF; each view checks its permission.
"""

from datetime import datetime, time, timedelta

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.debug import sensitive_post_parameters

from accounts.models import Tenant
from accounts.selectors import tenant_admins
from audit.actors import Actor, request_context
from core import words
from core.refusals import Refusal
from core.words import why_locked
from unlocks import outlook, services
from unlocks.consent import current_consent
from unlocks.console import chart
from unlocks.console.forms import CancelForm, OpenRequestForm, RelockForm, VerifyForm
from unlocks.console.timeline import in_words, timeline_for
from unlocks.links import approval_url
from unlocks.models import LockState, RecordType, RequestStatus, UnlockRequest
from unlocks.money import identity
from unlocks.selectors import (
    QUEUE_LENGTH,
    batch_members,
    batch_totals,
    closed_since,
    pending_oldest_first,
    record_by_number,
    records_numbered,
    request_with_targets,
    requests_per_day,
    windows_ending_before,
)
from unlocks.when import time_left

OPENED = {
    "open": "Request opened. Send the approval link to a tenant admin, or verify now with "
    "the admin on the phone.",
    "record": "The records changed since the preview: every rule passes now, so the request "
    "was opened. Send the approval link to a tenant admin, or cancel it if the customer no "
    "longer wants it.",
}


def actor_for(request):
    return Actor.for_user(request.user, **request_context(request))


def show_refusal(request, refusal, form=None):
    """The one place a refusal becomes what the agent sees: a form error, else a message."""
    text = refusal.message
    if form is not None:
        form.add_error(None, text)
    else:
        messages.error(request, text)


def _require(request, codename):
    if not request.user.has_perm(f"unlocks.{codename}"):
        raise PermissionDenied


def _render(request, template, title, **context):
    """A page in the admin's frame: its header, navigation and the lookup box."""
    context = {
        **admin.site.each_context(request),
        "opts": UnlockRequest._meta,
        "title": title,
        **context,
    }
    return TemplateResponse(request, template, context)


# ---------------------------------------------------------------- the work queue

# A pending request this close to its expiry is highlighted: the caller must act now.
SOON = timedelta(hours=1)
CHART_DAYS = 30


def queue_context(request):
    """The admin's home for an agent: what waits (oldest first), what closed today, and
    the last 30 days per day, in a fixed number of queries; nothing for other staff."""
    if not request.user.has_perm("unlocks.view_unlockrequest"):
        return {}
    now = timezone.now()
    today = timezone.localdate(now)
    start_of_today = timezone.make_aware(datetime.combine(today, time.min))
    pending = pending_oldest_first(limit=QUEUE_LENGTH)
    closed = closed_since(since=start_of_today, limit=QUEUE_LENGTH)
    ending = windows_ending_before(until=start_of_today + timedelta(days=1), limit=QUEUE_LENGTH)
    counts = requests_per_day(since=start_of_today - timedelta(days=CHART_DAYS - 1), now=now)
    return {
        "queue": True,
        "pending_rows": [_queue_row(r, now) for r in pending[:QUEUE_LENGTH]],
        "pending_more": len(pending) > QUEUE_LENGTH,
        "closed_rows": [_queue_row(r, now) for r in closed[:QUEUE_LENGTH]],
        "closed_more": len(closed) > QUEUE_LENGTH,
        "ending_rows": [_window_row(r, now) for r in ending[:QUEUE_LENGTH]],
        "ending_more": len(ending) > QUEUE_LENGTH,
        "chart": chart.per_day(counts, today=today, days=CHART_DAYS),
        "can_open": request.user.has_perm("unlocks.add_unlockrequest"),
    }


def _queue_row(unlock, now):
    left = unlock.expires_at - now
    return {
        "request": unlock,
        "numbers": [t.number for t in unlock.targets.all()],
        "left": time_left(left),
        "soon": unlock.status == RequestStatus.PENDING and left <= SOON,
    }


def _window_row(unlock, now):
    return {
        "request": unlock,
        "numbers": [t.number for t in unlock.targets.all()],
        "left": time_left(unlock.unlocked_until - now),
        "ended": unlock.unlocked_until <= now,
    }


# ---------------------------------------------------------------- lookup


def lookup(request):
    """One search box: `tenant number` or a number alone across tenants."""
    _require(request, "view_unlockrequest")
    query = request.GET.get("q", "").strip()
    cards, problem = [], ""
    if query:
        parts = query.replace("/", " ").split()
        tenant = None
        if len(parts) == 2:
            tenant = Tenant.objects.filter(slug=parts[0].lower()).first()
            if tenant is None:
                problem = (
                    f"There is no tenant with the slug {parts[0]!r}. Check the customer's "
                    "account slug, or search by the record number alone."
                )
        elif len(parts) != 1:
            problem = "Type a record number (B-1001), optionally after the tenant's slug."
        if not problem:
            records = records_numbered(number=parts[-1], tenant=tenant, limit=10)
            cards = [_card(r) for r in records]
            if not cards:
                where = f"in tenant {tenant.slug}" if tenant else "in any tenant"
                problem = (
                    f"No batch, invoice or payment is numbered {parts[-1]} {where}. "
                    "Check the number with the customer (for example B-1001, INV-42)."
                )
    return _render(
        request,
        "admin/unlocks/lookup.html",
        "Record lookup",
        query=query,
        cards=cards,
        problem=problem,
        can_open=request.user.has_perm("unlocks.add_unlockrequest"),
        duplicate_risk_text=words.DUPLICATE_RISK,
    )


def _card(found):
    looked = outlook.look_up(found)
    record, batch, preview = looked.record, looked.batch, looked.outlook
    return {
        "record": record,
        "currency": found.tenant.currency,
        "why": why_locked(record.record_type, record.state_now),
        "batch": batch if batch is not record else None,
        # The batch the members are in, with its count and total.
        "holder": batch,
        "members": looked.members,
        "open_requests": looked.pending,
        "past_requests": looked.past,
        "preview": preview,
        "warnings": preview.targets[0].warnings if preview.targets else [],
        "open_url": reverse("admin:unlocks_unlockrequest_open")
        + "?"
        + urlencode(
            {"tenant": found.tenant.slug, "record": f"{record.record_type}:{record.number}"}
        ),
    }


# ---------------------------------------------------------------- open, with a preview


def preview_rows(preview):
    """The previewed targets as the agent reads them: a refused target shows its refusal,
    not the duplicate risk, which matters only for what can be unlocked."""
    return [
        {"target": t, "refused": t.refusals[0].code if t.refusals else ""} for t in preview.targets
    ]


def open_request(request):
    """Step 1 previews the rule results; step 2 opens the request and shows its page."""
    _require(request, "add_unlockrequest")
    tenant_slug = request.POST.get("tenant") or request.GET.get("tenant", "")
    choices, notes = _target_choices(tenant_slug, request.GET.get("record", ""))
    form = OpenRequestForm(
        request.POST or None,
        tenants=Tenant.objects.order_by("slug"),
        target_choices=choices,
        initial={
            "tenant": tenant_slug,
            "targets": [request.GET["record"]] if request.GET.get("record") else [],
        },
    )
    preview, recorded = None, False
    action = request.POST.get("action")
    if request.method == "POST" and form.is_valid():
        targets = _targets(form)
        if targets is not None:
            try:
                # "record" is the attempt a refused preview offers: the same door, which
                # refuses it, creates nothing and audits it.
                if action in ("open", "record"):
                    unlock = _open(request, form, targets)
                    messages.success(request, OPENED[action])
                    return redirect("admin:unlocks_unlockrequest_change", unlock.pk)
                preview = outlook.preview(tenant=form.cleaned_data["tenant"], targets=targets)
            except Refusal as refusal:
                show_refusal(request, refusal, form)
                recorded = refusal.audited
    return _render(
        request,
        "admin/unlocks/open_request.html",
        "Open an unlock request",
        form=form,
        preview=preview,
        preview_rows=preview_rows(preview) if preview else [],
        preview_warns=bool(preview) and preview.needs_duplicate_risk_ack,
        recorded=recorded,
        # Each record to tick, with what comes with it: a batch opens its bypassed transactions.
        target_rows=list(zip(form["targets"], notes, strict=True)) if choices else [],
        caller_fields=[
            form[name]
            for name in (
                "caller_name",
                "caller_email",
                "channel",
                "reason",
                "ticket",
                "window_hours",
            )
        ],
        duplicate_risk_text=words.DUPLICATE_RISK,
    )


def _target_choices(tenant_slug, record_ref):
    """The looked-up record with its batch and the batch's transactions, to pick from, and
    beside each choice what unlocking it opens too (the batch's bypassed transactions)."""
    record_type, _, number = record_ref.partition(":")
    tenant = Tenant.objects.filter(slug=tenant_slug).first() if tenant_slug else None
    if tenant is None or record_type not in RecordType.values or not number:
        return [], []
    record = record_by_number(tenant=tenant, record_type=record_type, number=number)
    if record is None:
        return [], []
    batch = record if record_type == RecordType.BATCH else record.batch
    family = [batch, *batch_members(batch)] if batch is not None else [record]
    if batch is not None:
        batch.transaction_count, batch.total_cents = batch_totals([batch.pk])[batch.pk]
    choices = [
        (
            f"{r.record_type}:{r.number}",
            f"{r.number} · {r.record_type} · {r.state_now} · {identity(r, tenant.currency)}",
        )
        for r in family
    ]
    carried = [m.number for m in family[1:] if m.state_now == LockState.BYPASSED] if batch else []
    notes = [
        f"Its bypassed transactions come with it: {', '.join(carried)}. Unlocking the batch "
        "opens them too; they need no tick of their own."
        if r is batch and carried and r.state_now == LockState.BYPASSED
        else ""
        for r in family
    ]
    return choices, notes


def _targets(form):
    targets = []
    for ref in form.cleaned_data["targets"]:
        record_type, _, number = ref.partition(":")
        targets.append({"type": record_type, "number": number})
    tenant = Tenant.objects.filter(slug=form.cleaned_data["tenant"]).first()
    for number in form.cleaned_data["more_numbers"]:
        found = records_numbered(number=number, tenant=tenant, limit=1) if tenant else []
        if not found:
            form.add_error(
                "more_numbers",
                f"There is no record numbered {number} in this tenant. Check the number.",
            )
            return None
        spec = {"type": found[0].record_type, "number": found[0].number}
        if spec not in targets:
            targets.append(spec)
    return targets


def _open(request, form, targets):
    data = form.cleaned_data
    return services.open_request(
        tenant=data["tenant"],
        targets=targets,
        caller_name=data["caller_name"],
        caller_email=data["caller_email"],
        channel=data["channel"],
        reason=data["reason"],
        ticket=data["ticket"],
        window_hours=data["window_hours"],
        actor=actor_for(request),
    )


# ---------------------------------------------------------------- the request page


def request_page(request, object_id):
    """The request's status, timeline, approval link and records, with verify and cancel."""
    unlock = request_with_targets(unquote(object_id))
    if unlock is None:
        return _missing(request, object_id)
    _require(request, "view_unlockrequest")
    return _page(request, unlock)


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
    return _render(
        request,
        "admin/unlocks/request_page.html",
        f"Unlock request {str(unlock.pk)[:8]}",
        original=unlock,
        unlock=unlock,
        targets=targets,
        target_rows=rows,
        stake=ahead.total if ahead else unlock.at_stake(),
        timeline=timeline_for(unlock),
        approval_url=approval_url(unlock) if pending else "",
        consent=consent,
        needs_ack=bool(ahead) and ahead.needs_duplicate_risk_ack,
        duplicate_risk_text=words.DUPLICATE_RISK,
        verify_form=verify_form if can_verify else None,
        cancel_form=cancel_form if can_cancel else None,
        relock_form=relock_form if can_relock else None,
        admins=admins,
        pin_locked_until=locked_until,
        pin_lock_left=time_left(locked_until - now) if locked_until else "",
        refusal_words=in_words(unlock.refusal_code) if unlock.refusal_code else "",
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
        }
    return {
        "target": target,
        "now": judged.state,
        "opens_with": judged.opens_with_numbers,
        "duplicate_risk": judged.duplicate_risk,
    }


# ---------------------------------------------------------------- verify and cancel


def _posted(request, object_id, codename):
    """The request a form on its page was posted for, or the response that answers instead."""
    if request.method in ("GET", "HEAD"):
        # The address bar or the history opened a form's target: show the request instead.
        return None, redirect("admin:unlocks_unlockrequest_change", object_id)
    if request.method != "POST":
        return None, HttpResponseNotAllowed(["POST"])
    _require(request, codename)
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
            services.verify_and_unlock(
                request_id=unlock.pk,
                approver_email=data["admin_email"],
                pin=data["pin"],
                consent_version=data["consent_version"],
                consent_accepted=data["consent_accepted"],
                duplicate_risk_acknowledged=data["duplicate_risk_acknowledged"],
                window_hours=data["window_hours"],
                admin_code=data["admin_code"],
                actor=actor_for(request),
            )
        except Refusal as refusal:
            return _refused(request, unlock, refusal, verify_form=form)
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
