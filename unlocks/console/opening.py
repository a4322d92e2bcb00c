"""Opening a request: step 1 previews the rules' answer (`outlook.preview`), step 2 opens."""

from django.contrib import messages
from django.shortcuts import redirect

from accounts.models import Tenant
from core import words
from core.refusals import Refusal
from unlocks import outlook, services
from unlocks.console.forms import OpenRequestForm
from unlocks.console.shared import actor_for, render_page, require, show_refusal
from unlocks.models import LockState, RecordType
from unlocks.money import identity
from unlocks.selectors import (
    batch_members,
    batch_totals,
    record_by_number,
    records_numbered,
)

OPENED = {
    "open": "Request opened. Send the approval link to a tenant admin, or verify now with "
    "the admin on the phone.",
    "record": "The records changed since the preview: every rule passes now, so the request "
    "was opened. Send the approval link to a tenant admin, or cancel it if the customer no "
    "longer wants it.",
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
    require(request, "add_unlockrequest")
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
    return render_page(
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
