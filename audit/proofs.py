"""What proves some entries of a chain to someone outside: each entry's content as it
was hashed, and the first signed checkpoint that covers them with an RFC 6962 inclusion
proof of them all (hashes of the other entries' subtrees, never their contents)."""

from audit.chain import ROW_FIELDS, plain_fields
from audit.checkpoints import covering, inclusion_proof


def proven_entries(*, tenant_id, entries) -> tuple[list[dict], dict | None]:
    """(the entries of the `entries` queryset, in seq order, as an outsider checks them;
    the covering checkpoint with its proof, or None while none covers the last of them)."""
    rows = list(entries.filter(tenant_id=tenant_id).order_by("seq").values_list(*ROW_FIELDS))
    documents = [
        {"seq": row[1], "prev_hash": row[0], "hash": row[-1], "fields": plain_fields(row)}
        for row in rows
    ]
    if not rows:
        return documents, None
    checkpoint = covering(tenant_id=tenant_id, seq=rows[-1][1])
    if checkpoint is None:
        return documents, None
    proof = inclusion_proof(
        tenant_id=tenant_id, tree_size=checkpoint.tree_size, seqs=[row[1] for row in rows]
    )
    return documents, {
        "number": checkpoint.number,
        "tree_size": checkpoint.tree_size,
        "key_id": checkpoint.key_id,
        "signed_at": checkpoint.signed_at.isoformat(),
        "note": checkpoint.note,
        # Hashes of the subtrees of entries that are not the request's, left to right
        # (RFC 6962 tree, leaf i = SHA-256(0x00 || entry #i+1's hash)).
        "inclusion_proof": proof,
    }
