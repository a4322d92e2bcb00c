"""Reading and checking the audit trail."""

from contextlib import closing
from dataclasses import dataclass

from django.db import transaction

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
    rows = entries.order_by("seq").values_list(*ROW_FIELDS).iterator(chunk_size=VERIFY_CHUNK)
    # In a transaction PostgreSQL's server-side cursor yields rows as it finds them;
    # outside one it would first compute the whole chain to hold it past the commit.
    # A bad entry ends the walk early: the cursor is closed before the transaction.
    with transaction.atomic(), closing(rows):
        count, first_bad = verify_rows(rows)
    if first_bad is None and head is not None:
        last_seq, last_hash = entries.order_by("-seq").values_list("seq", "hash").first() or (0, "")
        if last_seq < head.last_seq:
            first_bad = last_seq + 1
        elif last_hash != head.last_hash:
            first_bad = head.last_seq
    return ChainReport(
        tenant=tenant.slug, ok=first_bad is None, entries=count, first_bad_seq=first_bad
    )


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
