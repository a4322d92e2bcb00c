"""Reading and checking the audit trail."""

from dataclasses import dataclass

from audit import checkpoints
from audit.chain import ROW_FIELDS, verify_rows
from audit.models import AuditChainHead, AuditCheckpoint, AuditEntry

# Rows per fetch while a chain is checked: few round trips, a bounded memory.
VERIFY_CHUNK = 2000


@dataclass(frozen=True)
class ChainReport:
    tenant: str
    ok: bool
    entries: int
    first_bad_seq: int | None
    # The last checkpoint that still holds (its number and tree size), where one does.
    checkpoint: int | None = None
    checkpoint_size: int = 0
    # A checkpoint whose signature does not hold, or whose entry is not the one it signed.
    bad_checkpoint: int | None = None
    full: bool = True


def verify_chain(*, tenant, full=False) -> ChainReport:
    """Check a tenant's chain and name the first entry that does not fit.

    From the last checkpoint whose signature holds and whose entry is the one it signed,
    only the entries after it are read (O(new entries)); `full` reads them all and holds
    each checkpoint against its entry. The chain head anchors the end: entries cut off
    the end, or a last entry rewritten with a recomputed hash, are named too.
    """
    # The head is read first: every entry up to it was committed with it, so a
    # writer appending meanwhile cannot look like tampering.
    head = AuditChainHead.objects.filter(tenant_id=tenant.pk).first()
    entries = AuditEntry.objects.filter(tenant_id=tenant.pk)
    if head is not None:
        entries = entries.filter(seq__lte=head.last_seq)
    anchor, bad = _anchor(tenant, entries, head)
    after = anchor.text.tree_size if anchor and not full else 0
    after_hash = anchor.text.head if anchor and not full else ""
    signed = {}
    if full:
        signed, unsigned = _signed_heads(tenant)
        bad += unsigned
    rows = _Tapped(in_seq_order(entries.filter(seq__gt=after), ROW_FIELDS, chunk=VERIFY_CHUNK))
    count, first_bad = verify_rows(rows.each(signed), after_seq=after, after_hash=after_hash)
    if first_bad is None and head is not None:
        last_seq, last_hash = entries.order_by("-seq").values_list("seq", "hash").first() or (0, "")
        if last_seq < head.last_seq:
            first_bad = last_seq + 1
        elif last_hash != head.last_hash:
            first_bad = head.last_seq
    breaks = sorted([*bad, *rows.unlike])
    bad_checkpoint = breaks[0][1] if breaks else None
    if breaks and (first_bad is None or breaks[0][0] < first_bad):
        first_bad = breaks[0][0]
    if full and first_bad is not None:
        anchor = _last_holding(tenant, first_bad)
    return ChainReport(
        tenant=tenant.slug,
        ok=first_bad is None and bad_checkpoint is None,
        entries=count,
        first_bad_seq=first_bad,
        checkpoint=anchor.text.number if anchor else None,
        checkpoint_size=anchor.text.tree_size if anchor else 0,
        bad_checkpoint=bad_checkpoint,
        full=full or anchor is None,
    )


def _anchor(tenant, entries, head):
    """The newest checkpoint that holds, and [(seq, number)] of the newer ones that do
    not (a signature that fails, or an entry that is not the one signed)."""
    bad = []
    last_seq = head.last_seq if head else 0
    newest_first = AuditCheckpoint.objects.filter(tenant=tenant).order_by("-number")
    for checkpoint in newest_first.select_related("tenant").iterator(chunk_size=20):
        proof = checkpoints.held(checkpoint)
        if proof is None:
            bad.append((min(checkpoint.tree_size, last_seq + 1) or 1, checkpoint.number))
            continue
        size = proof.text.tree_size
        signed_entry = entries.filter(seq=size).values_list("hash", flat=True).first()
        if signed_entry != proof.text.head:
            bad.append((min(size, last_seq + 1), checkpoint.number))
            continue
        return proof, bad
    return None, bad


def _signed_heads(tenant):
    """Every checkpoint that holds, by the seq it signed ({seq: (head hash, number)}),
    and [(seq, number)] of those that do not."""
    signed, unsigned = {}, []
    for checkpoint in AuditCheckpoint.objects.filter(tenant=tenant).select_related("tenant"):
        if proof := checkpoints.held(checkpoint):
            signed[proof.text.tree_size] = (proof.text.head, proof.text.number)
        else:
            unsigned.append((max(checkpoint.tree_size, 1), checkpoint.number))
    return signed, unsigned


def _last_holding(tenant, first_bad):
    """The newest checkpoint that holds and ends before `first_bad`."""
    before = AuditCheckpoint.objects.filter(tenant=tenant, tree_size__lt=first_bad)
    for checkpoint in before.select_related("tenant").order_by("-number").iterator(chunk_size=20):
        if proof := checkpoints.held(checkpoint):
            return proof
    return None


class _Tapped:
    """Rows passed on as they are, noting [(seq, number)] where a checkpoint signed a
    hash other than the entry's."""

    def __init__(self, rows):
        self.rows = rows
        self.unlike = []

    def each(self, signed):
        for row in self.rows:
            if signed and (expected := signed.get(row[1])) and expected[0] != row[-1]:
                self.unlike.append((row[1], expected[1]))
            yield row


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
