"""Reads of records, their history and unlock requests."""

import uuid
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Lower, TruncDate
from django.utils import timezone

from accounts.models import Tenant, User
from audit.models import AuditAction, AuditEntry
from core.refusals import Refusal
from core.text import storable
from core.words import factors_in_words
from unlocks import in_the_books, money, rules
from unlocks.models import (
    RECORD_MODELS,
    Approval,
    Batch,
    ExportRecord,
    Invoice,
    LockState,
    Payment,
    RecordType,
    RequestStatus,
    UnlockRequest,
    UnlockTarget,
    batch_sums,
)
from unlocks.rules import Facts


def locked_request(request_id, *, with_tenant=False):
    """The request with its tenant and targets, its row locked (SELECT ... FOR NO KEY UPDATE
    OF the request, and of the tenant too `with_tenant`); raises UnlockRequest.DoesNotExist for an
    unknown or malformed id."""
    try:
        pk = uuid.UUID(str(request_id))
    except (ValueError, TypeError, AttributeError):
        raise UnlockRequest.DoesNotExist from None
    # With no OF, the lock takes the row of every table the query reads: these two. FOR NO
    # KEY UPDATE: the foreign-key checks of the tenant's other changes (FOR KEY SHARE, at
    # their commit) do not wait for it, so they never deadlock with an approval.
    lock = {} if with_tenant else {"of": ("self",)}
    return (
        UnlockRequest.objects.select_for_update(no_key=True, **lock)
        .select_related("tenant")
        .prefetch_related(targets_with_money(), approvals_with_approver())
        .get(pk=pk)
    )


def approvals_with_approver():
    """A request's approvals, oldest first, with who gave each, in one query: the request's
    `approvals_given` (read by `UnlockRequest.approvals_in_order`)."""
    return Prefetch(
        "approvals",
        queryset=Approval.objects.select_related("approver").order_by("at", "pk"),
        to_attr="approvals_given",
    )


def targets_with_money():
    """A request's targets with their records and a batch's count and total, in one query:
    what every page, email and answer that lists them shows."""
    return Prefetch("targets", queryset=UnlockTarget.objects.with_money().order_by("pk"))


def _plausible_slug(slug):
    # A slug is at most 63 plain characters; anything else names no tenant, unqueried.
    return isinstance(slug, str) and len(slug) <= 63 and storable(slug)


def tenant_named(slug):
    """The tenant with this slug, or the unknown_tenant refusal."""
    plausible = _plausible_slug(slug)
    tenant = Tenant.objects.filter(slug=slug).first() if plausible else None
    if tenant is None:
        shown = repr(slug) if plausible else "given"
        raise Refusal(
            "unknown_tenant",
            f"There is no tenant with the slug {shown}. Check the customer's account slug.",
            {"tenant": slug if plausible else None},
        )
    return tenant


def find_records(*, tenant, specs, lock=False):
    """Resolve (type, number) pairs within a tenant: one query per record type.

    Returns (records in the order asked, pairs that were not found).
    With `lock`, the rows are locked (SELECT ... FOR NO KEY UPDATE) in a fixed order.
    A transaction comes with its batch and `has_export_history`, for `gather_facts`.
    """
    return _find(specs, lambda qs: qs.filter(tenant=tenant), lock=lock)


def find_records_named(*, tenant_slug, specs):
    """find_records for a tenant named by its slug, which comes in the records' own query:
    (the tenant, records, missing pairs). Unlocked reads only. Only when no record is found
    is the tenant read on its own, and refused as unknown_tenant if there is none."""
    if not _plausible_slug(tenant_slug):
        tenant_named(tenant_slug)  # raises unknown_tenant
    records, missing = _find(
        specs, lambda qs: qs.filter(tenant__slug=tenant_slug).select_related("tenant")
    )
    tenant = records[0].tenant if records else tenant_named(tenant_slug)
    return tenant, records, missing


def _find(specs, of_tenant, *, lock=False):
    wanted = defaultdict(list)
    for record_type, number in specs:
        wanted[record_type].append(number)
    found = {}
    for record_type in (RecordType.BATCH, RecordType.INVOICE, RecordType.PAYMENT):
        numbers = wanted.get(record_type)
        if not numbers:
            continue
        model = RECORD_MODELS[record_type]
        qs = of_tenant(model.objects.filter(number__in=numbers))
        if record_type != RecordType.BATCH:
            qs = qs.select_related("batch").annotate(
                has_export_history=Exists(
                    ExportRecord.objects.filter(**{record_type: OuterRef("pk")})
                )
            )
        if lock:
            qs = qs.select_for_update(no_key=True, of=("self",)).order_by("pk")
        for record in qs:
            found[(record_type, record.number)] = record
    records = [found[s] for s in specs if s in found]
    missing = [s for s in specs if s not in found]
    return records, missing


def gather_facts(records, now=None):
    """Everything the rules need about `records` (as find_records reads them: a transaction
    with `has_export_history`), in a constant number of queries; judged as at `now`."""
    facts = Facts(now=now or timezone.now())
    batch_ids = [r.pk for r in records if r.record_type == RecordType.BATCH]
    for record in records:
        if record.record_type != RecordType.BATCH and record.has_export_history:
            facts.exported_history.add((record.record_type, record.pk))

    if batch_ids:
        for batch_id in batch_ids:
            facts.batch_contents[batch_id] = {"invoices": [], "payments": []}
            facts.batch_exported[batch_id] = {"invoices": [], "payments": []}
        # Only exported batches list their contents (the route of the refusal).
        exported = [
            r.pk
            for r in records
            if r.record_type == RecordType.BATCH and r.state_at(facts.now) == LockState.EXPORTED
        ]
        for model, key in ((Invoice, "invoices"), (Payment, "payments")):
            if exported:
                for batch_id, number in (
                    model.objects.filter(batch_id__in=exported)
                    .order_by("number")
                    .values_list("batch_id", "number")
                ):
                    facts.batch_contents[batch_id][key].append(number)
            field = "invoice" if model is Invoice else "payment"
            for batch_id, number in (
                ExportRecord.objects.filter(**{f"{field}__batch_id__in": batch_ids})
                .order_by(f"{field}__number")
                .values_list(f"{field}__batch_id", f"{field}__number")
                .distinct()
            ):
                facts.batch_exported[batch_id][key].append(number)
    return facts


def get_request(request_id):
    return (
        UnlockRequest.objects.select_related("tenant", "approved_by", "caller_user")
        .prefetch_related(targets_with_money(), approvals_with_approver())
        .get(pk=request_id)
    )


def request_with_targets(request_id):
    """A request with its tenant, approver and each target's record (two queries), or None.

    `opener_full_name` is the full name of the agent who opened it (`opened_by` holds an
    agent's email or an API client's name), or None: what the PIN page calls them by."""
    agent = User.objects.alias(agent_email=Lower("email")).filter(
        agent_email=Lower(OuterRef("opened_by")), is_staff=True, is_active=True
    )
    try:
        return (
            UnlockRequest.objects.select_related("tenant", "approved_by")
            .annotate(opener_full_name=Subquery(agent.values("full_name")[:1]))
            .prefetch_related(targets_with_money(), approvals_with_approver())
            .filter(pk=request_id)
            .first()
        )
    except (ValidationError, ValueError):
        return None


def batch_totals(batch_ids):
    """batch id -> (how many transactions it holds, their total in cents), in one query."""
    if not batch_ids:
        return {}
    return {
        pk: (count, cents)
        for pk, count, cents in Batch.objects.filter(pk__in=batch_ids)
        .annotate(**batch_sums("pk"))
        .order_by()
        .values_list("pk", "transaction_count", "total_cents")
    }


def requests_for(*, tenant=None, status=None, ticket=None):
    qs = UnlockRequest.objects.select_related("tenant", "approved_by").prefetch_related(
        targets_with_money(), approvals_with_approver()
    )
    if tenant is not None:
        qs = qs.filter(tenant=tenant)
    if status:
        qs = qs.reading(status)
    if ticket:
        qs = qs.filter(ticket=ticket)
    return qs.order_by("-created_at", "id")


REQUEST_HISTORY = 50


def record_by_number(*, tenant=None, tenant_slug=None, record_type, number):
    """A record with what an agent reads about it: batch, export history, requests.

    Name the tenant or its slug; by slug, the tenant comes in the record's own query.
    """
    model = RECORD_MODELS[record_type]
    if tenant_slug is not None:
        qs = model.objects.filter(tenant__slug=tenant_slug, number=number).select_related("tenant")
    else:
        qs = model.objects.filter(tenant=tenant, number=number)
    if record_type != RecordType.BATCH:
        qs = qs.select_related("batch")
    record = qs.first()
    if record is None:
        return None
    # A batch's own history is its state and exported_at; transactions keep exports.
    record.export_history = (
        [] if record_type == RecordType.BATCH else list(record.exports.select_related("batch"))
    )
    # The newest first, and only so many: a record asked about every week keeps a page short.
    # Pending requests are the newest (they expire within a day), so none is cut off.
    record.requests = list(
        UnlockRequest.objects.filter(**{f"targets__{record_type}": record})
        .order_by("-created_at")
        .distinct()[:REQUEST_HISTORY]
    )
    record.open_request_ids = [
        r.id for r in record.requests if r.status_now == RequestStatus.PENDING
    ]
    return record


# What the record lookup API shows of each export, in its order.
_EXPORT_FIELDS = {
    "at": "exported_at",
    "batch": "batch__number",
    "system": "system",
    "external_id": "external_id",
}


# What people confirm a transaction by.
_MONEY_FIELDS = ("customer", "amount_cents", "date")


def _pending(record_type, record):
    """The record's pending requests, newest first, overdue ones included: filtering on
    expires_at > now in SQL let PostgreSQL start from the pending requests (an estimate
    of one row that was 25,000: 60 ms a lookup); the callers drop the overdue ones."""
    return UnlockRequest.objects.filter(
        **{f"targets__{record_type}": record}, status=RequestStatus.PENDING
    ).order_by("-created_at", "id")


def _live(ids_and_expiries):
    now = timezone.now()
    return [i for i, expires_at in ids_and_expiries if not rules.past_expiry(expires_at, now)]


def _exports(record_type, record):
    return ExportRecord.objects.filter(**{record_type: record}).order_by("exported_at", "id")


def record_summary(*, tenant_slug, record_type, number):
    """What the record lookup API shows of a record, as plain values; None if there is none.

    A dict of type, number, state, locked, batch (its number), exports (dicts of
    `_EXPORT_FIELDS`, oldest first) and open_requests (ids of pending requests naming it,
    newest first); with what people confirm it by: currency, and a transaction's customer,
    amount_cents and date, or a batch's transaction_count and total_cents (None where the
    record has no such thing). An agent on the phone waits for this: it reads only those
    columns, in three indexed queries.
    """
    if "\x00" in tenant_slug or "\x00" in number:
        # No record holds a NUL character (PostgreSQL refuses it in any text value).
        return None
    model = RECORD_MODELS[record_type]
    is_batch = record_type == RecordType.BATCH
    now = timezone.now()
    qs = model.objects.as_of(now).filter(tenant__slug=tenant_slug, number=number).order_by()
    columns = ["pk", "state_as_of", "unlocked_until", "tenant__currency"]
    if is_batch:
        qs = qs.annotate(**batch_sums("pk"))
        columns += ["transaction_count", "total_cents"]
    else:
        columns += ["batch__number", *_MONEY_FIELDS]
    row = qs.values(*columns).first()
    if row is None:
        return None
    # A batch's own history is its state and exported_at; transactions keep exports.
    exports = (
        []
        if is_batch
        else [
            dict(zip(_EXPORT_FIELDS, export, strict=True))
            for export in _exports(record_type, row["pk"]).values_list(*_EXPORT_FIELDS.values())
        ]
    )
    state = row["state_as_of"]
    return {
        "type": record_type,
        "number": number,
        "state": state,
        "locked": state in model.LOCKED_STATES,
        # Open by an unlock whose window runs: a record that reads open and has an end.
        "unlocked_until": row["unlocked_until"] if state == LockState.OPEN else None,
        "batch": None if is_batch else row["batch__number"],
        "exports": exports,
        "open_requests": _live(_pending(record_type, row["pk"]).values_list("id", "expires_at")),
        "currency": row["tenant__currency"],
        **{name: row.get(name) for name in (*_MONEY_FIELDS, "transaction_count", "total_cents")},
    }


def shown_entries(entries):
    """A request's audit entries as people read them: the transactions a batch opened (or
    re-locked) with it have entries of their own, named in the batch's, and are not listed
    one by one."""
    return entries.exclude(
        action__in=[AuditAction.RECORD_UNLOCKED, AuditAction.RECORD_RELOCKED],
        data__with_batch__isnull=False,
    )


def receipt_for(request):
    """What an approval receipt shows, for the page and the email; None unless completed.

    `request` comes with its targets as `targets_with_money` reads them: each item unlocked
    shows its target's customer, amount and date (or a batch's count and total), and the
    total is the one the approval's audit entry recorded.
    """
    if request.status != RequestStatus.COMPLETED:
        return None
    entries = list(
        shown_entries(AuditEntry.objects.filter(request_id=request.pk))
        .filter(action__in=[AuditAction.REQUEST_APPROVED, AuditAction.RECORD_UNLOCKED])
        .order_by("seq")
    )
    approval = next(e for e in entries if e.action == AuditAction.REQUEST_APPROVED)
    targets = {(t.record_type, t.number): t for t in request.targets.all()}
    unlocked = []
    for entry in entries:
        if entry.action != AuditAction.RECORD_UNLOCKED:
            continue
        contents = entry.data.get("with", {})
        unlocked.append(
            {
                "type": entry.target_type,
                "number": entry.target_number,
                "before": entry.state_before,
                "with": contents,
                # Joined here, escaped once by the template: a batch may hold 100,000 numbers.
                "with_numbers": ", ".join(
                    [*contents.get("invoices", []), *contents.get("payments", [])]
                ),
                "target": targets.get((entry.target_type, entry.target_number)),
            }
        )
    return {
        "request_id": str(request.pk),
        "tenant": request.tenant,
        "approver": request.approved_by,
        "approved_at": request.approved_at,
        # "the account PIN and an authenticator code": what the approver proved it with.
        "approved_with": factors_in_words(request.approved_with),
        # Where two admins approved (rule 13), each of them: who, when, proved with what.
        "approvals": [
            {"approver": a.approver, "at": a.at, "with": factors_in_words(a.approved_with)}
            for a in request.approvals_in_order
        ]
        if len(request.approvals_in_order) > 1
        else [],
        "consent_version": request.consent_version,
        "consent_sha256": request.consent_sha256,
        "unlocked": unlocked,
        "total": _approved_total(approval) or request.at_stake(),
        "audit_seq": approval.seq,
        "audit_hash": approval.hash,
        # What the approver was shown of the customer's QuickBooks (SPEC rule 14).
        "quickbooks": in_the_books.shown_in_words(
            approval.data.get("quickbooks"), request.tenant.currency
        ),
        "quickbooks_checked_at": in_the_books.shown_at(approval.data.get("quickbooks")),
    }


def _approved_total(approval):
    """The total an approval's audit entry recorded as reopened (None before they did)."""
    data = approval.data
    if "total" not in data:
        return None
    return money.Total(
        transactions=data["transactions"],
        cents=money.cents_of(data["total"]),
        currency=data["currency"],
    )


def records_numbered(*, number, tenant=None, limit=20):
    """Records numbered `number` (as typed, or upper-cased), in one tenant or across tenants.

    Exact matches, so that the (tenant, number) indexes answer; numbers are upper case.
    """
    found = []
    for record_type in (RecordType.BATCH, RecordType.INVOICE, RecordType.PAYMENT):
        qs = (
            RECORD_MODELS[record_type]
            .objects.select_related("tenant")
            .filter(number__in={number, number.upper()})
        )
        if tenant is not None:
            qs = qs.filter(tenant=tenant)
        found.extend(qs.order_by("tenant__slug")[:limit])
    return found[:limit]


def batch_members(batch):
    """The invoices and payments a batch holds, by number."""
    return [
        *Invoice.objects.filter(batch=batch).order_by("number"),
        *Payment.objects.filter(batch=batch).order_by("number"),
    ]


# ---------------------------------------------------------------- the console's work queue

QUEUE_LENGTH = 50


def _with_targets(qs):
    return qs.select_related("tenant").prefetch_related(
        targets_with_money(), approvals_with_approver()
    )


def pending_oldest_first(*, limit=QUEUE_LENGTH):
    """The pending requests still within their time, oldest first, with tenant and targets
    (two queries); one more than `limit` is read, so that the caller can say there are more."""
    qs = UnlockRequest.objects.reading(RequestStatus.PENDING).order_by("created_at", "id")
    return list(_with_targets(qs)[: limit + 1])


def closed_since(*, since, limit=QUEUE_LENGTH):
    """Requests completed or refused since `since`, newest first, with tenant and targets
    (two queries); one more than `limit` is read, as for the pending ones."""
    qs = UnlockRequest.objects.filter(
        status__in=[RequestStatus.COMPLETED, RequestStatus.REFUSED],
        closed_at__gte=since,
        # Implied, since only a request within its time is approved or refused, and it lets
        # the (status, expires_at) index find them instead of reading every closed request.
        expires_at__gt=since,
    ).order_by("-closed_at", "id")
    return list(_with_targets(qs)[: limit + 1])


def windows_ending_before(*, until, limit=QUEUE_LENGTH):
    """Approved unlocks still running (or ended and not yet re-locked) whose window ends
    before `until`, soonest first, with tenant and targets (two queries); one more than
    `limit` is read, as for the pending ones."""
    qs = UnlockRequest.objects.not_relocked().filter(unlocked_until__lt=until)
    qs = qs.order_by("unlocked_until", "id")
    return list(_with_targets(qs)[: limit + 1])


def requests_per_day(*, since, now):
    """day -> {status as it reads at `now`: count} of the requests opened since `since`
    (one query); a pending request past its expiry counts as expired, as status_now reads."""
    outcome = Case(
        When(status=RequestStatus.PENDING, expires_at__lte=now, then=Value(RequestStatus.EXPIRED)),
        default=F("status"),
    )
    rows = (
        UnlockRequest.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at"), outcome=outcome)
        .values("day", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    days = defaultdict(dict)
    for row in rows:
        days[row["day"]][row["outcome"]] = row["n"]
    return dict(days)
