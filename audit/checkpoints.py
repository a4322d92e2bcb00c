"""Signed checkpoints of each tenant's chain (SPEC: "Signed"), and the proofs that link
entries to them.

A checkpoint is a c2sp.org/tlog-checkpoint signed note (audit/note.py) over the RFC 6962
Merkle tree whose leaves are the chain's entry hashes: its origin names the tenant, its
tree size is the last seq, its root commits to every entry up to it, and its extension
lines carry the time, the head hash and the previous checkpoint's digest. The signer
checks the new entries' chain first, so a checkpoint never vouches for a broken one, and
extends the previous checkpoint's stored frontier: signing costs O(new entries).
"""

import logging
from dataclasses import dataclass
from datetime import UTC

from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from accounts.models import Tenant
from audit import keys, note
from audit.chain import ROW_FIELDS, verify_rows
from audit.models import AuditChainHead, AuditCheckpoint, AuditEntry, AuditTreeTile
from audit.signals import checkpoint_signed

log = logging.getLogger(__name__)

# Entry rows per read while new entries are checked and hashed into the tree.
CHUNK = 5000
# The tree's blocks whose roots are kept (AuditTreeTile): 2**TILE_LEVEL entries each.
TILE_LEVEL = 10
TILE_LEAVES = 1 << TILE_LEVEL


class NoSigningKey(Exception):
    """No key is configured: nothing can be signed."""


@dataclass(frozen=True)
class Held:
    """A stored checkpoint whose signature holds, as its signed text says it."""

    checkpoint: AuditCheckpoint
    text: note.CheckpointText
    key: keys.PublicKey


def origin_of(tenant) -> str:
    """The log a tenant's checkpoints name in their first line."""
    return f"{keys.signer_name()}/{tenant.slug}"


def sign_checkpoints() -> int:
    """Sign a checkpoint of every tenant whose chain moved since its last one; how many.

    The beat job and `manage.py sign_checkpoints`. One tenant's broken chain is logged and
    left unsigned; the others are signed.
    """
    if keys.signing_key() is None:
        raise NoSigningKey
    signed_size = (
        AuditCheckpoint.objects.filter(tenant_id=OuterRef("tenant_id"))
        .values("tenant_id")
        .annotate(size=Max("tree_size"))
        .values("size")
    )
    moved = (
        AuditChainHead.objects.annotate(signed=Subquery(signed_size))
        .exclude(last_seq=0)
        .order_by("tenant_id")
    )
    signed = 0
    for head in moved:
        if head.signed is None or head.signed < head.last_seq:
            signed += sign_checkpoint(tenant_id=head.tenant_id) is not None
    return signed


def sign_checkpoint(*, tenant_id) -> AuditCheckpoint | None:
    """Sign the tenant's chain head if it moved since its last checkpoint; the new
    checkpoint, or None (nothing new, another signer won, or the new entries do not fit:
    logged, and `audit_verify` names the entry)."""
    private_key = keys.signing_key()
    if private_key is None:
        raise NoSigningKey
    head = AuditChainHead.objects.filter(tenant_id=tenant_id).values_list("last_seq", "last_hash")
    last_seq, last_hash = head.first() or (0, "")
    last = AuditCheckpoint.objects.filter(tenant_id=tenant_id).order_by("-number").first()
    after, after_hash = (last.tree_size, last.head_hash) if last else (0, "")
    if last_seq <= after:
        return None
    hashes = []
    rows = _rows(tenant_id, after, last_seq, hashes)
    count, first_bad = verify_rows(rows, after_seq=after, after_hash=after_hash)
    if first_bad is not None or count != last_seq - after or hashes[-1] != last_hash:
        log.error("Not signing tenant %s's chain: entry #%s does not fit.", tenant_id, first_bad)
        return None
    frontier = [bytes.fromhex(h) for h in last.frontier] if last else []
    tiles = []

    def keep_tile(level, index, node):
        if level == TILE_LEVEL:
            tiles.append(AuditTreeTile(tenant_id=tenant_id, index=index, hash=node.hex()))

    leaves = (note.leaf_hash(h) for h in hashes)
    frontier, size = note.extend(frontier, after, leaves, on_node=keep_tile)
    tenant = Tenant.objects.only("slug").get(pk=tenant_id)
    now = timezone.now()
    text = note.CheckpointText(
        origin=origin_of(tenant),
        tree_size=size,
        root=note.root_of(frontier),
        time=now.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        head=last_hash,
        number=(last.number + 1) if last else 1,
        prev=note.note_digest(last.note) if last else "",
    )
    signed = note.sign_note(text.text(), name=keys.signer_name(), private_key=private_key)
    checkpoint = AuditCheckpoint(
        tenant_id=tenant_id,
        number=text.number,
        tree_size=size,
        root_hash=text.root.hex(),
        head_hash=last_hash,
        signed_at=now,
        key_id=keys.current_public_key().key_id,
        note=signed,
        frontier=[node.hex() for node in frontier],
    )
    try:
        with transaction.atomic():
            checkpoint.save()
            AuditTreeTile.objects.bulk_create(tiles, batch_size=CHUNK, ignore_conflicts=True)
    except IntegrityError:
        return None  # another signer numbered it first: theirs stands
    checkpoint_signed.send(sender=AuditCheckpoint, checkpoint=checkpoint, after=after)
    return checkpoint


def _rows(tenant_id, after, until, hashes):
    """The entries after seq `after` up to `until`, in order, their hashes kept in
    `hashes` as they pass."""
    of_tenant = AuditEntry.objects.filter(tenant_id=tenant_id, seq__lte=until).order_by("seq")
    last = after
    while True:
        chunk = list(of_tenant.filter(seq__gt=last).values_list(*ROW_FIELDS)[:CHUNK])
        for row in chunk:
            hashes.append(row[-1])
            yield row
        if len(chunk) < CHUNK:
            return
        last = chunk[-1][1]


def held(checkpoint) -> Held | None:
    """The checkpoint's signed text if a known key's signature on its note holds, the
    text parses and it names its tenant's log; else None."""
    key = keys.public_key_by_id(checkpoint.key_id)
    # The column may have been changed: then every known key is tried on the note itself.
    candidates = keys.public_keys() if key is None else [key]
    for candidate in candidates:
        text = note.note_signed_by(
            checkpoint.note, name=candidate.name, public_key=candidate.public_key
        )
        parsed = note.parse_checkpoint(text) if text else None
        if parsed is not None and parsed.origin == f"{candidate.name}/{checkpoint.tenant.slug}":
            return Held(checkpoint, parsed, candidate)
    return None


def covering(*, tenant_id, seq) -> AuditCheckpoint | None:
    """The first checkpoint of the tenant whose tree holds entry #`seq`."""
    return (
        AuditCheckpoint.objects.select_related("tenant")
        .filter(tenant_id=tenant_id, tree_size__gte=seq)
        .order_by("number")
        .first()
    )


def inclusion_proof(*, tenant_id, tree_size, seqs) -> list[str]:
    """The hashes (base64) that link the entries `seqs` to the root of the tenant's tree
    of `tree_size`: hashes of the other entries' subtrees, never their contents. O(log n)
    of them for a run of neighbouring entries; built from the kept tiles and at most a
    few blocks of entry hashes around each run, not the whole chain."""
    tiles = dict(
        AuditTreeTile.objects.filter(
            tenant_id=tenant_id, index__lt=tree_size // TILE_LEAVES
        ).values_list("index", "hash")
    )
    entries = AuditEntry.objects.filter(tenant_id=tenant_id).order_by("seq")

    def perfect(lo, hi):
        """An aligned perfect subtree: from its tiles when it holds whole ones."""
        if hi - lo >= TILE_LEAVES and all(
            i in tiles for i in range(lo >> TILE_LEVEL, hi >> TILE_LEVEL)
        ):
            nodes = [bytes.fromhex(tiles[i]) for i in range(lo >> TILE_LEVEL, hi >> TILE_LEVEL)]
            return note.root_of(note.extend([], 0, nodes)[0])
        hashes = entries.filter(seq__gt=lo, seq__lte=hi).values_list("hash", flat=True)
        leaves = [note.leaf_hash(h) for h in hashes.iterator(chunk_size=CHUNK)]
        return note.root_of(note.extend([], 0, leaves)[0])

    def subtree(lo, hi):
        return note.split_subtree(lo, hi, perfect)

    proof = note.proof_for(tree_size, [seq - 1 for seq in seqs], subtree)
    return [note.b64(node) for node in proof]
