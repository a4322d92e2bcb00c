"""The hash chain: what an entry's hash covers, and how a chain is checked."""

import hashlib
import json
from dataclasses import dataclass

# The fields an entry's hash covers, in a fixed order. Changing this list breaks
# every existing chain, so it only ever grows with a new chain version.
HASHED_FIELDS = (
    "seq",
    "at",
    "tenant_id",
    "actor_kind",
    "actor_label",
    "actor_user_id",
    "actor_api_client_id",
    "action",
    "target_type",
    "target_number",
    "request_id",
    "state_before",
    "state_after",
    "code",
    "consent_version",
    "consent_sha256",
    "ip",
    "user_agent",
    "http_request_id",
    "data",
)


# One encoder for every hash: json.dumps with these options builds a new one per call.
_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
# The types _plain returns unchanged.
_PLAIN_TYPES = frozenset({str, int, bool, dict, list, type(None)})


def _plain(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is not None and not isinstance(value, (str, int, dict, list, bool)):
        return str(value)
    return value


def entry_hash(values, prev_hash):
    """SHA-256 over an entry's fields (a dict or row tuple in HASHED_FIELDS order)."""
    if isinstance(values, dict):
        values = [values[name] for name in HASHED_FIELDS]
    content = _encode([prev_hash, *(_plain(v) for v in values)])
    return hashlib.sha256(content.encode()).hexdigest()


def _row_hash(values, prev_hash):
    """entry_hash for a row as the database hands it back, without a call per field."""
    plain_types = _PLAIN_TYPES
    content = [prev_hash]
    content.extend([v if type(v) in plain_types else _plain(v) for v in values])
    return hashlib.sha256(_encode(content).encode()).hexdigest()


def verify_rows(rows):
    """Check rows of (*HASHED_FIELDS, prev_hash, hash) in seq order.

    Returns (count, first_bad_seq): the first entry whose hash does not cover
    its content, whose prev_hash is not its predecessor's hash, or whose seq
    leaves a gap.
    """
    count = 0
    expected_prev = ""
    expected_seq = 1
    n = len(HASHED_FIELDS)
    for row in rows:
        count += 1
        values, prev_hash, stored_hash = row[:n], row[n], row[n + 1]
        seq = values[0]
        if (
            seq != expected_seq
            or prev_hash != expected_prev
            or _row_hash(values, prev_hash) != stored_hash
        ):
            return count, seq if seq == expected_seq else expected_seq
        expected_prev = stored_hash
        expected_seq = seq + 1
    return count, None


@dataclass(frozen=True)
class Stretch:
    """What checking one stretch of a chain found, for `join_stretches`.

    `count` and `first_bad` are as verify_rows gives them, taking the first row's link
    on trust when the stretch does not start the chain; `first` is the (seq, prev_hash)
    of its first row and `last` the (seq, hash) of its last row that fit, None if none.
    """

    count: int
    first_bad: int | None
    first: tuple | None
    last: tuple | None


def verify_stretch(rows, recheck, *, first_seq, first_prev=None):
    """verify_rows for rows of (seq, prev_hash, hash, head, data) that the database
    prepared, from `first_seq` on: `head` is the hashed JSON text up to `data`, which
    comes as JSON text. `first_prev=None` leaves the first row's link to
    `join_stretches`, which knows the stretch before.

    Only `data` is serialised here (its canonical form needs sorted keys). A row whose
    prepared hash does not match is checked again with `recheck(seq)`, the plain
    entry_hash of the stored row, so the fast path can never name a good entry.
    """
    count = 0
    expected_prev = first_prev
    expected_seq = first_seq
    first = last = None
    loads, encode, sha256 = json.loads, _encode, hashlib.sha256
    for seq, prev_hash, stored_hash, head, data in rows:
        count += 1
        if first is None:
            first = (seq, prev_hash)
            if expected_prev is None:
                expected_prev = prev_hash
        if seq != expected_seq or prev_hash != expected_prev:
            return Stretch(count, seq if seq == expected_seq else expected_seq, first, last)
        body = "{}" if data == "{}" else encode(loads(data))
        if sha256(f"{head}{body}]".encode()).hexdigest() != stored_hash and not recheck(seq):
            return Stretch(count, seq, first, last)
        expected_prev = stored_hash
        expected_seq = seq + 1
        last = (seq, stored_hash)
    return Stretch(count, None, first, last)


def join_stretches(stretches):
    """(count, first_bad_seq) of the chain the stretches make, in seq order: what one
    verify_rows over all their rows would give."""
    count, expected_seq, expected_prev = 0, 1, ""
    for stretch in stretches:
        if stretch.first is None:
            # Nothing here: a gap shows at the next stretch's first row, or at the head.
            continue
        seq, prev_hash = stretch.first
        if seq != expected_seq or prev_hash != expected_prev:
            return count + 1, expected_seq
        if stretch.first_bad is not None:
            return count + stretch.count, stretch.first_bad
        count += stretch.count
        expected_seq, expected_prev = stretch.last[0] + 1, stretch.last[1]
    return count, None
