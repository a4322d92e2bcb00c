"""Reads of records, their history and unlock requests."""

import functools
import uuid
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone

from accounts.models import Tenant
from audit.models import AuditAction, AuditEntry
from config import compiled
from unlocks.models import (
    RECORD_MODELS,
    Batch,
    ExportRecord,
    Invoice,
    LockState,
    Payment,
    RecordType,
    RequestStatus,
    UnlockRequest,
    UnlockTarget,
)
from unlocks.refusals import Refusal
from unlocks.rules import Facts


def storable(text):
    """Whether text can be stored and compared: no NUL byte, no lone surrogate.

    PostgreSQL refuses NUL in text and JSON, and a lone surrogate (what invalid
    UTF-8 becomes when decoded leniently) cannot be encoded for any database.
    """
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_TENANT_FIELDS = compiled.attnames(Tenant)
_TENANT_BY_SLUG = compiled.CompiledRead(
    lambda slug: Tenant.objects.filter(slug=slug).values_list(*_TENANT_FIELDS)[:1],
    slug=compiled.text_stand_in(),
)


def _tenant_by_slug(slug):
    rows = _TENANT_BY_SLUG.rows(slug=slug)
    return compiled.instance(Tenant, _TENANT_FIELDS, rows[0]) if rows else None


_REQUEST_FIELDS = compiled.attnames(UnlockRequest)


def _locked_request_read(**lock):
    """The request with its tenant's columns, locked as `lock` says: compiled once."""
    return compiled.CompiledRead(
        lambda pk: (
            UnlockRequest.objects.select_for_update(**lock)
            .filter(pk=pk)
            .order_by()
            .values_list(*_REQUEST_FIELDS, *[f"tenant__{name}" for name in _TENANT_FIELDS])
        ),
        pk=compiled.uuid_stand_in(),
    )


# Every approval and cancellation locks its request first.
_LOCKED_REQUEST = _locked_request_read(of=("self",))
# Approving locks the tenant's row too (it serialises PIN checks), in the same statement:
# with no OF, FOR UPDATE locks the row of every table the query reads, these two.
_LOCKED_REQUEST_AND_TENANT = _locked_request_read()
_TARGET_FIELDS = compiled.attnames(UnlockTarget)
_TARGETS_OF = compiled.CompiledRead(
    lambda request_id: (
        UnlockTarget.objects.filter(request_id=request_id)
        .order_by("pk")
        .values_list(*_TARGET_FIELDS)
    ),
    request_id=compiled.uuid_stand_in(),
)


def locked_request(request_id, *, with_tenant=False):
    """The request with its tenant, its row locked (SELECT ... FOR UPDATE OF the request,
    and of the tenant too `with_tenant`); raises UnlockRequest.DoesNotExist for an unknown
    or malformed id."""
    try:
        pk = uuid.UUID(str(request_id))
    except (ValueError, TypeError, AttributeError):
        raise UnlockRequest.DoesNotExist from None
    rows = (_LOCKED_REQUEST_AND_TENANT if with_tenant else _LOCKED_REQUEST).rows(pk=pk)
    if not rows:
        raise UnlockRequest.DoesNotExist
    own = len(_REQUEST_FIELDS)
    request = compiled.instance(UnlockRequest, _REQUEST_FIELDS, rows[0][:own])
    request.tenant = compiled.instance(Tenant, _TENANT_FIELDS, rows[0][own:])
    return request


def hold_targets(request, targets=None):
    """Let `request.targets.all()` answer `targets`, in id order, as a prefetch would: the
    rules, the receipt and the answer read them from there. Targets just inserted come
    with their ids where the database returns inserted rows (PostgreSQL, SQLite 3.35+);
    without `targets`, or without their ids, they are read."""
    if targets is None or any(target.pk is None for target in targets):
        targets = [
            compiled.instance(UnlockTarget, _TARGET_FIELDS, row)
            for row in _TARGETS_OF.rows(request_id=request.pk)
        ]
    held = request.targets.all()
    held._result_cache = list(targets)
    held._prefetch_done = True
    request._prefetched_objects_cache = {"targets": held}


def _plausible_slug(slug):
    # A slug is at most 63 plain characters; anything else names no tenant, unqueried.
    return isinstance(slug, str) and len(slug) <= 63 and storable(slug)


def tenant_named(slug):
    """The tenant with this slug, or the unknown_tenant refusal."""
    plausible = _plausible_slug(slug)
    tenant = _tenant_by_slug(slug) if plausible else None
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
    With `lock`, the rows are locked (SELECT ... FOR UPDATE) in a fixed order.
    A transaction comes with its batch and `has_export_history`, for `gather_facts`.
    """
    return _find(
        specs,
        lambda record_type, numbers: _records_read(
            record_type, len(numbers), lock, by_slug=False
        ).records(tenant=tenant.pk, numbers=numbers),
    )


def find_records_named(*, tenant_slug, specs):
    """find_records for a tenant named by its slug, which comes in the records' own query:
    (the tenant, records, missing pairs). Unlocked reads only. Only when no record is found
    is the tenant read on its own, and refused as unknown_tenant if there is none."""
    if not _plausible_slug(tenant_slug):
        tenant_named(tenant_slug)  # raises unknown_tenant
    records, missing = _find(
        specs,
        lambda record_type, numbers: _records_read(
            record_type, len(numbers), False, by_slug=True
        ).records(tenant=tenant_slug, numbers=numbers),
    )
    tenant = records[0].tenant if records else tenant_named(tenant_slug)
    return tenant, records, missing


def _find(specs, read):
    wanted = defaultdict(list)
    for record_type, number in specs:
        wanted[record_type].append(number)
    found = {}
    for record_type in (RecordType.BATCH, RecordType.INVOICE, RecordType.PAYMENT):
        numbers = wanted.get(record_type)
        if not numbers:
            continue
        for record in read(record_type, numbers):
            found[(record_type, record.number)] = record
    records = [found[s] for s in specs if s in found]
    missing = [s for s in specs if s not in found]
    return records, missing


class _RecordsRead:
    """Records of one type by number, with what the rules need of them, in one query whose
    SQL is compiled once per type, count and locking (config/compiled.py): every unlock
    request opened, previewed and approved reads its records so."""

    def __init__(self, record_type, count, lock, by_slug):
        self.model = RECORD_MODELS[record_type]
        self.fields = compiled.attnames(self.model)
        self.is_batch = record_type == RecordType.BATCH
        self.batch_fields = [] if self.is_batch else compiled.attnames(Batch)
        # By slug, the tenant's columns come last in each row (the tenant joined by slug).
        self.tenant_fields = _TENANT_FIELDS if by_slug else []
        numbers = {f"number_{i}": compiled.text_stand_in() for i in range(count)}
        self.read = compiled.CompiledRead(
            lambda tenant, **numbers: self._query(tenant, list(numbers.values()), lock, by_slug),
            tenant=compiled.text_stand_in() if by_slug else compiled.number_stand_in(),
            **numbers,
        )

    def _query(self, tenant, numbers, lock, by_slug):
        by = {"tenant__slug": tenant} if by_slug else {"tenant_id": tenant}
        qs = self.model.objects.filter(**by, number__in=numbers)
        columns = list(self.fields)
        if not self.is_batch:
            qs = qs.annotate(
                has_export_history=Exists(
                    ExportRecord.objects.filter(**{self.model.record_type: OuterRef("pk")})
                )
            )
            # The batch's columns through the join select_related would make (LEFT OUTER).
            columns += [f"batch__{name}" for name in self.batch_fields] + ["has_export_history"]
        columns += [f"tenant__{name}" for name in self.tenant_fields]
        qs = qs.select_for_update(of=("self",)).order_by("pk") if lock else qs.order_by()
        return qs.values_list(*columns)

    def records(self, *, tenant, numbers):
        """`tenant`: its id, or its slug for a read by slug."""
        values = {f"number_{i}": number for i, number in enumerate(numbers)}
        records = []
        own, batch = len(self.fields), len(self.batch_fields)
        for row in self.read.rows(tenant=tenant, **values):
            record = compiled.instance(self.model, self.fields, row[:own])
            if not self.is_batch:
                record.batch = (
                    compiled.instance(Batch, self.batch_fields, row[own : own + batch])
                    if record.batch_id is not None
                    else None
                )
                record.has_export_history = row[own + batch]
            if self.tenant_fields:
                record.tenant = compiled.instance(
                    Tenant, self.tenant_fields, row[len(row) - len(self.tenant_fields) :]
                )
            records.append(record)
        return records


@functools.cache
def _records_read(record_type, count, lock, by_slug):
    return _RecordsRead(record_type, count, lock, by_slug)


def gather_facts(records):
    """Everything the rules need about `records` (as find_records reads them: a transaction
    with `has_export_history`), in a constant number of queries."""
    facts = Facts()
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
            r.pk for r in records if r.record_type == RecordType.BATCH and r.state == "exported"
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
        .prefetch_related("targets")
        .get(pk=request_id)
    )


def request_with_targets(request_id):
    """A request with its tenant, approver and each target's record (two queries), or None."""
    targets = UnlockTarget.objects.select_related("batch", "invoice", "payment")
    try:
        return (
            UnlockRequest.objects.select_related("tenant", "approved_by")
            .prefetch_related(Prefetch("targets", queryset=targets))
            .filter(pk=request_id)
            .first()
        )
    except (ValidationError, ValueError):
        return None


def bypassed_in_batches(batch_ids):
    """batch id -> numbers of its bypassed invoices and payments: what unlocking it opens too."""
    contents = {batch_id: {"invoices": [], "payments": []} for batch_id in batch_ids}
    if not batch_ids:
        return contents
    for model, key in ((Invoice, "invoices"), (Payment, "payments")):
        for batch_id, number in (
            model.objects.filter(batch_id__in=batch_ids, state=LockState.BYPASSED)
            .order_by("number")
            .values_list("batch_id", "number")
        ):
            contents[batch_id][key].append(number)
    return contents


def requests_for(*, tenant=None, status=None, ticket=None):
    qs = UnlockRequest.objects.select_related("tenant", "approved_by").prefetch_related("targets")
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


def _summary_query(record_type, *, tenant_slug, number, in_one_query):
    model = RECORD_MODELS[record_type]
    columns = (
        ["pk", "state"] if record_type == RecordType.BATCH else ["pk", "state", "batch__number"]
    )
    qs = model.objects.filter(tenant__slug=tenant_slug, number=number).order_by()
    if in_one_query:
        from django.contrib.postgres.expressions import ArraySubquery

        record = OuterRef("pk")
        pending = _pending(record_type, record)
        # Each pending request's expiry beside its id (the same order): which of them are
        # overdue is decided here, not in SQL, so the query's plan starts from the record.
        arrays = {
            "open_request_ids": ArraySubquery(pending.values("id")),
            "open_request_expiries": ArraySubquery(pending.values("expires_at")),
        }
        if record_type != RecordType.BATCH:
            # One array per column, each in the same order: the n-th of each is one export.
            arrays |= {
                f"export_{key}": ArraySubquery(_exports(record_type, record).values(column))
                for key, column in _EXPORT_FIELDS.items()
            }
        qs = qs.annotate(**arrays)
        columns += list(arrays)
    return qs.values_list(*columns)[:1], columns


def _pending(record_type, record):
    """The record's pending requests, newest first, overdue ones included: filtering on
    expires_at > now in SQL let PostgreSQL start from the pending requests (an estimate
    of one row that was 25,000: 60 ms a lookup); the callers drop the overdue ones."""
    return UnlockRequest.objects.filter(
        **{f"targets__{record_type}": record}, status=RequestStatus.PENDING
    ).order_by("-created_at", "id")


def _live(ids_and_expiries):
    now = timezone.now()
    return [request_id for request_id, expires_at in ids_and_expiries if expires_at > now]


def _exports(record_type, record):
    return ExportRecord.objects.filter(**{record_type: record}).order_by("exported_at", "id")


@functools.cache
def _compiled_summary(record_type):
    """The one-query lookup, compiled by the ORM once per record type and process (see
    config/compiled.py): compiling five subqueries costs more CPU than PostgreSQL takes
    to run them. Returns the read and the names of its columns."""
    _, columns = _summary_query(record_type, tenant_slug="", number="", in_one_query=True)
    read = compiled.CompiledRead(
        lambda tenant_slug, number: _summary_query(
            record_type, tenant_slug=tenant_slug, number=number, in_one_query=True
        )[0],
        tenant_slug=compiled.text_stand_in(),
        number=compiled.text_stand_in(),
    )
    return read, columns


def record_summary(*, tenant_slug, record_type, number):
    """What the record lookup API shows of a record, as plain values; None if there is none.

    A dict of type, number, state, locked, batch (its number), exports (dicts of
    `_EXPORT_FIELDS`, oldest first) and open_request_ids (pending requests naming it, newest
    first). An agent on the phone waits for this, so it reads only those columns, builds
    no model instances, and on PostgreSQL takes one query: the exports and the pending
    requests come as array subqueries of the record's own row.
    """
    if "\x00" in tenant_slug or "\x00" in number:
        # No record holds a NUL character (PostgreSQL refuses it in any text value).
        return None
    model = RECORD_MODELS[record_type]
    is_batch = record_type == RecordType.BATCH
    if connection.vendor == "postgresql":
        read, columns = _compiled_summary(record_type)
        found = read.rows(tenant_slug=tenant_slug, number=number)
        if not found:
            return None
        row = dict(zip(columns, found[0], strict=True))
        exports = [
            dict(zip(_EXPORT_FIELDS, export, strict=True))
            for export in zip(
                *(row.get(f"export_{key}", ()) for key in _EXPORT_FIELDS), strict=True
            )
        ]
        open_ids = _live(zip(row["open_request_ids"], row["open_request_expiries"], strict=True))
    else:
        query, columns = _summary_query(
            record_type, tenant_slug=tenant_slug, number=number, in_one_query=False
        )
        found = next(iter(query), None)
        if found is None:
            return None
        row = dict(zip(columns, found, strict=True))
        # A batch's own history is its state and exported_at; transactions keep exports.
        exports = (
            []
            if is_batch
            else [
                dict(zip(_EXPORT_FIELDS, export, strict=True))
                for export in _exports(record_type, row["pk"]).values_list(*_EXPORT_FIELDS.values())
            ]
        )
        open_ids = _live(_pending(record_type, row["pk"]).values_list("id", "expires_at"))
    return {
        "type": record_type,
        "number": number,
        "state": row["state"],
        "locked": row["state"] in model.LOCKED_STATES,
        "batch": None if is_batch else row["batch__number"],
        "exports": exports,
        "open_request_ids": list(open_ids),
    }


def receipt_for(request):
    """What an approval receipt shows, for the page and the email; None unless completed."""
    if request.status != RequestStatus.COMPLETED:
        return None
    entries = list(
        AuditEntry.objects.filter(
            request_id=request.pk,
            action__in=[AuditAction.REQUEST_APPROVED, AuditAction.RECORD_UNLOCKED],
        ).order_by("seq")
    )
    approval = next(e for e in entries if e.action == AuditAction.REQUEST_APPROVED)
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
            }
        )
    return {
        "request_id": str(request.pk),
        "tenant": request.tenant,
        "approver": request.approved_by,
        "approved_at": request.approved_at,
        "consent_version": request.consent_version,
        "consent_sha256": request.consent_sha256,
        "unlocked": unlocked,
        "audit_seq": approval.seq,
        "audit_hash": approval.hash,
    }


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
