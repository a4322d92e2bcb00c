"""The hash chain: what an entry's hash covers, and how a chain is checked."""

import hashlib
import json

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
    plain_types = _PLAIN_TYPES
    # _plain leaves the plain types as they are: only the others need its look.
    content = [prev_hash, *(v if type(v) in plain_types else _plain(v) for v in values)]
    return hashlib.sha256(_encode(content).encode()).hexdigest()


# Where a row of ROW_FIELDS holds a value the database may hand back as something JSON
# does not write as it is (a datetime, a UUID, a float in `data`). Every other hashed
# column is text or a whole number: a new column of another type fails the encoder
# loudly until it is named here.
ROW_FIELDS = ("prev_hash", *HASHED_FIELDS, "hash")
_CONVERTED = tuple(ROW_FIELDS.index(name) for name in ("at", "request_id", "data"))


def verify_rows(rows, *, after_seq=0, after_hash=""):
    """Check rows of ROW_FIELDS in seq order, the first following entry #`after_seq`
    whose hash is `after_hash` (a checkpoint's head; the chain's start by default).

    Returns (count, first_bad_seq): the first entry whose hash does not cover
    its content, whose prev_hash is not its predecessor's hash, or whose seq
    leaves a gap.
    """
    # Hashed as entry_hash hashes: the JSON of [prev_hash, *values], which is the row
    # without its last column, so each row is one list and one encode.
    encode, sha256, plain_types, converted = _encode, hashlib.sha256, _PLAIN_TYPES, _CONVERTED
    count = 0
    expected_prev = after_hash
    expected_seq = after_seq + 1
    for row in rows:
        count += 1
        content = list(row)
        stored_hash = content.pop()
        prev_hash, seq = content[0], content[1]
        if seq != expected_seq or prev_hash != expected_prev:
            return count, seq if seq == expected_seq else expected_seq
        for i in converted:
            if type(content[i]) not in plain_types:
                content[i] = _plain(content[i])
        if sha256(encode(content).encode()).hexdigest() != stored_hash:
            return count, seq
        expected_prev = stored_hash
        expected_seq = seq + 1
    return count, None


def plain_fields(row) -> dict:
    """A row of ROW_FIELDS's hashed values as JSON writes them, by name: what an outsider
    hashes (with the row's prev_hash, in HASHED_FIELDS order) to check the row's hash."""
    values = row[1:-1]
    return {
        name: value if type(value) in _PLAIN_TYPES else _plain(value)
        for name, value in zip(HASHED_FIELDS, values, strict=True)
    }
