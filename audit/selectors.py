"""Reading and checking the audit trail."""

from dataclasses import dataclass

from audit.chain import ROW_FIELDS, verify_rows
from audit.models import AuditChainHead, AuditEntry

# Rows per fetch while a chain is checked: few round trips, a bounded memory.
VERIFY_CHUNK = 2000


@dataclass(frozen=True)
class ChainReport:
    tenant: str
    ok: bool
    entries: int
    first_bad_seq: int | None


def verify_chain(*, tenant) -> ChainReport:
    """Walk a tenant's chain in order and name the first entry that does not fit.

    The chain head anchors the end: entries cut off the end, or a last entry
    rewritten with a recomputed hash, are named too.
    """
    # The head is read first: every entry up to it was committed with it, so a
    # writer appending meanwhile cannot look like tampering.
    head = AuditChainHead.objects.filter(tenant_id=tenant.pk).first()
    entries = AuditEntry.objects.filter(tenant_id=tenant.pk)
    if head is not None:
        entries = entries.filter(seq__lte=head.last_seq)
    count, first_bad = verify_rows(in_seq_order(entries, ROW_FIELDS, chunk=VERIFY_CHUNK))
    if first_bad is None and head is not None:
        last_seq, last_hash = entries.order_by("-seq").values_list("seq", "hash").first() or (0, "")
        if last_seq < head.last_seq:
            first_bad = last_seq + 1
        elif last_hash != head.last_hash:
            first_bad = head.last_seq
    return ChainReport(
        tenant=tenant.slug, ok=first_bad is None, entries=count, first_bad_seq=first_bad
    )


def in_seq_order(entries, fields, *, chunk):
    """Rows of `fields` (which name "seq") of the `entries` queryset, tenant by tenant in
    seq order, read `chunk` rows at a time after the last seq read.

    Each chunk is one short indexed read of its own: no transaction is held open while a
    slow client downloads or a long chain is checked (on SQLite one would hold the write
    lock that every change needs), and no server-side cursor has to be kept.
    """
    at = list(fields).index("seq")
    tenants = entries.order_by("tenant_id").values_list("tenant_id", flat=True).distinct()
    for tenant_id in list(tenants):
        of_tenant = entries.filter(tenant_id=tenant_id).order_by("seq").values_list(*fields)
        last = 0
        while True:
            rows = list(of_tenant.filter(seq__gt=last)[:chunk])
            yield from rows
            if len(rows) < chunk:
                break
            last = rows[-1][at]


def entries_for(*, tenant=None, request_id=None, action=None, record=None, since=None, until=None):
    """Audit entries filtered as the trail's search allows, oldest first within a tenant."""
    qs = AuditEntry.objects.select_related("tenant").order_by("tenant_id", "seq")
    if tenant is not None:
        qs = qs.filter(tenant=tenant)
    if request_id is not None:
        qs = qs.filter(request_id=request_id)
    if action:
        qs = qs.filter(action=action)
    if record:
        qs = qs.filter(target_number=record)
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lt=until)
    return qs
