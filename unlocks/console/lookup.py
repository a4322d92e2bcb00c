"""Record lookup: one search box, `tenant number` or a number alone across tenants."""

from django.urls import reverse
from django.utils.http import urlencode

from accounts.models import Tenant
from core import words
from core.words import why_locked
from unlocks import outlook
from unlocks.console.shared import render_page, require
from unlocks.selectors import (
    records_numbered,
)

# ---------------------------------------------------------------- lookup


def lookup(request):
    """One search box: `tenant number` or a number alone across tenants."""
    require(request, "view_unlockrequest")
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
    return render_page(
        request,
        "admin/unlocks/lookup.html",
        "Record lookup",
        query=query,
        cards=cards,
        problem=problem,
        can_open=request.user.has_perm("unlocks.add_unlockrequest"),
        duplicate_risk_text=words.DUPLICATE_RISK,
        found_advice=words.FOUND_IN_QUICKBOOKS,
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
        "duplicate_risk": bool(preview.targets) and preview.targets[0].duplicate_risk,
        "quickbooks": preview.targets[0].quickbooks if preview.targets else None,
        "open_url": reverse("admin:unlocks_unlockrequest_open")
        + "?"
        + urlencode(
            {"tenant": found.tenant.slug, "record": f"{record.record_type}:{record.number}"}
        ),
    }
