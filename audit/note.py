"""Signed checkpoints in the transparency-log world's published formats, and the Merkle
tree they sign.

- A signed note (c2sp.org/signed-note): the text, a blank line, and one line per
  signature: "— <key name> <base64(4-byte key ID || Ed25519 signature)>", the key ID
  being SHA-256(key name || 0x0A || 0x01 || public key)[:4].
- A checkpoint (c2sp.org/tlog-checkpoint): a signed note whose text is the log's origin,
  its tree size and the base64 RFC 6962 root hash, then our extension lines (the time,
  the chain's head hash, the previous checkpoint it follows).
- The RFC 6962 Merkle tree of a tenant's chain: leaf i is entry #i+1's chain hash (32
  bytes), so a checkpoint's root commits to every entry up to its tree size, and an
  inclusion proof of some entries shows they belong to it with hashes alone.

Only the standard library and `cryptography`: `tools/verify_evidence.py` reads the same
formats with its own code, so that an auditor trusts neither ours nor our server.
"""

import base64
import bisect
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ED25519 = b"\x01"
DASH = "\u2014"


# ---------------------------------------------------------------- signed notes


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte note key ID of an Ed25519 key (signed-note: "Ed25519 signatures")."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public_key).digest()[:4]


def sign_note(text: str, *, name: str, private_key) -> str:
    """`text` (ending in a newline) signed by `private_key` (an Ed25519PrivateKey)."""
    public = private_key.public_key().public_bytes_raw()
    signature = private_key.sign(text.encode())
    line = base64.b64encode(key_id(name, public) + signature).decode()
    return f"{text}\n{DASH} {name} {line}\n"


def split_note(note: str):
    """(text, [(key name, key ID bytes, signature bytes)]) of a signed note, or None
    when it is not one."""
    if not note.endswith("\n") or "\n\n" not in note:
        return None
    cut = note.rindex("\n\n")
    text, lines = note[: cut + 1], note[cut + 2 :].splitlines()
    signatures = []
    for line in lines:
        dash, _, rest = line.partition(" ")
        name, _, encoded = rest.partition(" ")
        if dash != DASH or not name or not encoded:
            return None
        try:
            raw = base64.b64decode(encoded, validate=True)
        except ValueError:
            return None
        if len(raw) < 5:
            return None
        signatures.append((name, raw[:4], raw[4:]))
    return (text, signatures) if signatures else None


def note_signed_by(note: str, *, name: str, public_key: bytes) -> str | None:
    """The note's text if a signature of the key `name`/`public_key` on it holds, else
    None (signatures of other keys are ignored, as the format asks)."""
    parts = split_note(note)
    if parts is None:
        return None
    text, signatures = parts
    wanted = key_id(name, public_key)
    verifier = Ed25519PublicKey.from_public_bytes(public_key)
    for signer, kid, signature in signatures:
        if signer == name and kid == wanted:
            try:
                verifier.verify(signature, text.encode())
            except InvalidSignature:
                return None
            return text
    return None


# ---------------------------------------------------------------- checkpoints


@dataclass(frozen=True)
class CheckpointText:
    origin: str
    tree_size: int
    root: bytes
    # Extension lines: "time <ISO 8601 UTC>", "head <hex of entry #tree_size's hash>",
    # "prev <number> <base64 SHA-256 of the previous signed checkpoint>" or "prev none".
    time: str
    head: str
    number: int
    prev: str

    def text(self) -> str:
        root = base64.b64encode(self.root).decode()
        prev = f"prev {self.number - 1} {self.prev}" if self.prev else "prev none"
        return (
            f"{self.origin}\n{self.tree_size}\n{root}\n"
            f"time {self.time}\nhead {self.head}\ncheckpoint {self.number}\n{prev}\n"
        )


def parse_checkpoint(text: str) -> CheckpointText | None:
    """A checkpoint's note text as written by CheckpointText.text, or None."""
    lines = text.split("\n")
    if len(lines) != 8 or lines[-1] != "":
        return None
    origin, size, root, time, head, number, prev = lines[:7]
    try:
        root_bytes = base64.b64decode(root, validate=True)
    except ValueError:
        return None
    if not size.isdigit() or (size != "0" and size.startswith("0")) or len(root_bytes) != 32:
        return None
    if not (time.startswith("time ") and head.startswith("head ")):
        return None
    if not (number.startswith("checkpoint ") and number[11:].isdigit()):
        return None
    n = int(number[11:])
    expected_prev = "prev none" if n == 1 else f"prev {n - 1} "
    if not (prev == expected_prev or (n > 1 and prev.startswith(expected_prev))):
        return None
    return CheckpointText(
        origin=origin,
        tree_size=int(size),
        root=root_bytes,
        time=time[5:],
        head=head[5:],
        number=n,
        prev="" if n == 1 else prev[len(expected_prev) :],
    )


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def note_digest(note: str) -> str:
    """How a checkpoint names the one before it: base64 SHA-256 of its whole signed note."""
    return base64.b64encode(hashlib.sha256(note.encode()).digest()).decode()


# ---------------------------------------------------------------- the Merkle tree (RFC 6962)


def leaf_hash(entry_hash_hex: str) -> bytes:
    return hashlib.sha256(b"\x00" + bytes.fromhex(entry_hash_hex)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def extend(frontier: list[bytes], size: int, leaves, on_node=None) -> tuple[list[bytes], int]:
    """The compact range of a tree of `size` leaves (the roots of its perfect subtrees,
    largest first) extended by `leaves` (leaf hashes): O(new leaves) work. `on_node(level,
    index, hash)` hears of each perfect subtree completed (2**level leaves from
    index * 2**level)."""
    frontier = list(frontier)
    sha256 = hashlib.sha256
    for leaf in leaves:
        frontier.append(leaf)
        size += 1
        # Each trailing 1 bit of the new size is a pair of equal subtrees to merge.
        merged, level = size, 0
        while merged & 1 == 0:
            right = frontier.pop()
            frontier[-1] = sha256(b"\x01" + frontier[-1] + right).digest()
            merged >>= 1
            level += 1
            if on_node is not None:
                on_node(level, (size >> level) - 1, frontier[-1])
    return frontier, size


def root_of(frontier: list[bytes]) -> bytes:
    """The RFC 6962 tree hash of a compact range (the hash of an empty tree for none)."""
    if not frontier:
        return hashlib.sha256(b"").digest()
    root = frontier[-1]
    for node in reversed(frontier[:-1]):
        root = node_hash(node, root)
    return root


def _largest_power_of_two_below(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def multi_proof(leaves: list[bytes], indices: list[int]) -> list[bytes]:
    """`proof_for` of a tree whose leaves are all at hand."""

    def subtree(lo, hi):
        return root_of(extend([], 0, leaves[lo:hi])[0])

    return proof_for(len(leaves), indices, subtree)


def proof_for(size: int, indices: list[int], subtree) -> list[bytes]:
    """The hashes that, with the leaves at `indices`, give the root of a tree of `size`:
    the root of every largest subtree holding none of them, left to right, as
    `subtree(lo, hi)` gives it. O(log n) hashes for a run of neighbouring leaves, whatever
    the tree's size."""
    known = sorted(set(indices))
    proof = []

    def walk(lo, hi):
        at = bisect.bisect_left(known, lo)
        if at == len(known) or known[at] >= hi:
            proof.append(subtree(lo, hi))
        elif hi - lo > 1:
            k = _largest_power_of_two_below(hi - lo)
            walk(lo, lo + k)
            walk(lo + k, hi)

    if size:
        walk(0, size)
    return proof


def split_subtree(lo: int, hi: int, perfect) -> bytes:
    """The RFC 6962 hash of leaves [lo, hi), from `perfect(lo, hi)`, the root of an
    aligned perfect subtree: a range that is not one is split as the tree splits it."""
    n = hi - lo
    if n & (n - 1) == 0 and lo % n == 0:
        return perfect(lo, hi)
    k = _largest_power_of_two_below(n)
    return node_hash(split_subtree(lo, lo + k, perfect), split_subtree(lo + k, hi, perfect))


def root_from_proof(size: int, known: dict[int, bytes], proof: list[bytes]) -> bytes | None:
    """The root that `known` leaves (index -> leaf hash) and `proof` give for a tree of
    `size`, or None when the proof does not fit (too short or too long)."""
    indices = sorted(known)
    if not indices or indices[0] < 0 or indices[-1] >= size:
        return None
    hashes = iter(proof)

    def walk(lo, hi):
        at = bisect.bisect_left(indices, lo)
        if at == len(indices) or indices[at] >= hi:
            return next(hashes)
        if hi - lo == 1:
            return known[lo]
        k = _largest_power_of_two_below(hi - lo)
        return node_hash(walk(lo, lo + k), walk(lo + k, hi))

    try:
        root = walk(0, size)
    except StopIteration:
        return None
    if next(hashes, None) is not None:
        return None
    return root
