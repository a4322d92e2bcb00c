#!/usr/bin/env python3
"""Check an unlock desk evidence bundle offline: python3 verify_evidence.py BUNDLE --keys KEYS

BUNDLE is the JSON file downloaded from a receipt, the console or the API
(format unlock-desk-evidence/1); KEYS is the desk's public keys document, as served at
/.well-known/unlock-desk-keys.json. Needs Python 3.10+ and the `cryptography` package,
nothing of the desk itself: it reads the formats with its own code.

It checks that every audit entry's hash covers its content; that the entries belong to
the chain a signed checkpoint vouches for (an RFC 6962 inclusion proof to the root the
checkpoint signs); that the checkpoint's Ed25519 signature holds with a listed key (in
the c2sp.org/signed-note and tlog-checkpoint formats); and that every figure people read
in the bundle (the request, each record's customer and amount, the consent text, the
approver, the factors, the address, the approver's passkey signature) is what the
entries recorded. It prints "valid" and what the bundle proves, or names each thing that
does not fit.

Exit status: 0 valid; 1 something does not fit; 2 not yet covered by a signed checkpoint
(download the bundle again later); 3 the files cannot be read.
"""

import argparse
import base64
import bisect
import hashlib
import json
import sys
from decimal import Decimal, InvalidOperation

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_der_public_key

FORMAT = "unlock-desk-evidence/1"
KEYS_FORMAT = "unlock-desk-keys/1"
# What an entry's hash covers, in this order (chain version 1): SHA-256 of the compact
# JSON (sorted keys, UTF-8) of [prev_hash, *these fields].
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
DASH = "\u2014"


class Findings:
    def __init__(self):
        self.problems = []

    def fail(self, message):
        self.problems.append(message)

    def same(self, what, shown, recorded):
        if shown != recorded:
            self.fail(
                f"{what} is {shown!r} in the bundle but the audit trail recorded {recorded!r}"
            )


# ---------------------------------------------------------------- hashes and the tree


def entry_hash(prev_hash, fields):
    content = [prev_hash, *(fields[name] for name in HASHED_FIELDS)]
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def leaf_hash(hex_hash):
    return hashlib.sha256(b"\x00" + bytes.fromhex(hex_hash)).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_proof(size, known, proof):
    """RFC 6962: the root of a tree of `size` leaves from the `known` ones (index -> leaf
    hash) and the roots of the largest subtrees holding none of them, left to right."""
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
        k = 1 << ((hi - lo - 1).bit_length() - 1)
        return node_hash(walk(lo, lo + k), walk(lo + k, hi))

    try:
        root = walk(0, size)
    except StopIteration:
        return None
    return None if next(hashes, None) is not None else root


# ---------------------------------------------------------------- keys and the checkpoint


def note_key_id(name, public_key):
    return hashlib.sha256(name.encode() + b"\n\x01" + public_key).digest()[:4]


def read_keys(document, findings):
    if document.get("format") != KEYS_FORMAT:
        findings.fail(f"the keys file is not a {KEYS_FORMAT} document")
        return {}
    keys = {}
    for key in document.get("keys", []):
        public = base64.b64decode(key["public_key"])
        if note_key_id(key["name"], public).hex() != key["key_id"]:
            findings.fail(f"key {key['key_id']} in the keys file does not match its public key")
            continue
        keys[key["key_id"]] = key | {"raw": public}
    return keys


def check_checkpoint(checkpoint, keys, tenant_slug, findings):
    """The checkpoint's signed text as (origin, size, root, extension lines), or None."""
    number = checkpoint.get("number")
    key = keys.get(checkpoint.get("key_id"))
    if key is None:
        findings.fail(
            f"checkpoint {number} names key {checkpoint.get('key_id')!r}, which the keys file "
            "does not list"
        )
        return None
    note = checkpoint.get("note", "")
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        findings.fail(f"checkpoint {number} is not a signed note")
        return None
    text, lines = note[: cut + 1], note[cut + 2 :].splitlines()
    wanted = note_key_id(key["name"], key["raw"])
    signed = False
    for line in lines:
        dash, _, rest = line.partition(" ")
        name, _, encoded = rest.partition(" ")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except ValueError:
            raw = b""
        if dash != DASH or name != key["name"] or raw[:4] != wanted:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(key["raw"]).verify(raw[4:], text.encode())
            signed = True
        except InvalidSignature:
            pass
    if not signed:
        findings.fail(
            f"checkpoint {number}'s signature does not hold with key {key['key_id']}: the "
            "checkpoint or its signature was changed"
        )
        return None
    parts = text.split("\n")[:-1]
    if len(parts) < 3 or not parts[1].isdigit():
        findings.fail(f"checkpoint {number} is not in the tlog-checkpoint format")
        return None
    origin, size, root = parts[0], int(parts[1]), base64.b64decode(parts[2])
    if origin != f"{key['name']}/{tenant_slug}":
        findings.fail(f"checkpoint {number} is of the log {origin!r}, not this tenant's")
    extensions = dict(line.split(" ", 1) for line in parts[3:] if " " in line)
    if extensions.get("checkpoint") != str(number):
        findings.fail(f"checkpoint {number} signed the number {extensions.get('checkpoint')}")
    signed_at = extensions.get("time", "")
    if key.get("valid_until") and signed_at > key["valid_until"].replace("+00:00", "Z"):
        findings.fail(f"checkpoint {number} was signed after key {key['key_id']} was retired")
    if checkpoint.get("tree_size") != size:
        findings.same(f"checkpoint {number}'s tree size", checkpoint.get("tree_size"), size)
    return origin, size, root, extensions


# ---------------------------------------------------------------- what people read


def cents(amount):
    try:
        return int(Decimal(amount).scaleb(2))
    except (InvalidOperation, TypeError, ValueError):
        return None


def check_entries(bundle, findings):
    entries = bundle.get("entries") or []
    request_id = bundle["request"]["id"]
    previous = None
    for entry in entries:
        fields, seq = entry["fields"], entry["seq"]
        if set(fields) != set(HASHED_FIELDS):
            findings.fail(f"entry #{seq} holds other fields than its hash covers")
            continue
        if fields.get("seq") != seq:
            findings.fail(f"entry #{seq} holds the seq {fields.get('seq')}")
        if entry_hash(entry["prev_hash"], fields) != entry["hash"]:
            findings.fail(f"entry #{seq}'s content does not match its hash: the entry was changed")
        if fields.get("request_id") != request_id:
            findings.fail(f"entry #{seq} is not of request {request_id}")
        if previous and previous["seq"] + 1 == seq and entry["prev_hash"] != previous["hash"]:
            findings.fail(f"entry #{seq} does not link to entry #{previous['seq']}")
        previous = entry
    return {e["seq"]: e for e in entries}


def check_request(bundle, by_seq, findings):
    opened = [e for e in by_seq.values() if e["fields"]["action"] == "request_opened"]
    if not opened:
        findings.fail("the bundle holds no entry of the request's opening")
        return
    data = opened[0]["fields"]["data"]
    request = bundle["request"]
    for name in ("caller_name", "caller_email", "channel", "reason", "ticket", "window_hours"):
        if name in data:
            findings.same(f"the request's {name.replace('_', ' ')}", request.get(name), data[name])


def check_consent_and_approval(bundle, by_seq, findings):
    approval, consent = bundle.get("approval"), bundle.get("consent")
    approvals = [e for e in by_seq.values() if e["fields"]["action"] == "request_approved"]
    if approval is None:
        if approvals:
            findings.fail("the bundle leaves out the approval its entries record")
        return None
    if not approvals or approvals[-1]["seq"] != approval.get("entry"):
        findings.fail("the approval does not name the approval's audit entry")
        return None
    fields = approvals[-1]["fields"]
    data = fields["data"]
    findings.same("the approver", approval.get("approver"), data.get("approver"))
    findings.same(
        "what the approval was proved with",
        approval.get("approved_with"),
        data.get("approved_with") or ["pin"],
    )
    findings.same("the approval's time", approval.get("at"), fields["at"])
    findings.same("the approver's IP address", approval.get("ip"), fields["ip"])
    findings.same("the approver's browser", approval.get("user_agent"), fields["user_agent"])
    for name in ("transactions", "total", "currency", "unlocked_until"):
        if name in data:
            findings.same(f"the approval's {name}", approval.get(name), data[name])
    if consent is None:
        findings.fail("the bundle leaves out the consent the approval recorded")
        return fields
    text = consent.get("text") or ""
    if hashlib.sha256(text.encode()).hexdigest() != consent.get("sha256"):
        findings.fail("the consent text does not match its SHA-256: its words were changed")
    findings.same("the consent's SHA-256", consent.get("sha256"), fields["consent_sha256"])
    findings.same("the consent's version", consent.get("version"), fields["consent_version"])
    return fields


def check_records(bundle, by_seq, findings):
    listed = set()
    for record in bundle.get("records") or []:
        name = f"{record.get('type')} {record.get('number')}"
        entry = by_seq.get(record.get("entry"))
        if entry is None or entry["fields"]["action"] != "record_unlocked":
            findings.fail(f"{name} names no entry that recorded its unlock")
            continue
        listed.add(entry["seq"])
        fields, data = entry["fields"], entry["fields"]["data"]
        findings.same(f"{name}'s number", record.get("number"), fields["target_number"])
        findings.same(f"{name}'s type", record.get("type"), fields["target_type"])
        findings.same(f"{name}'s state before", record.get("state_before"), fields["state_before"])
        if "amount_cents" in data:
            if cents(record.get("amount")) != data["amount_cents"]:
                findings.fail(
                    f"{name}'s amount is {record.get('amount')} in the bundle but the audit "
                    f"trail recorded {Decimal(data['amount_cents']).scaleb(-2)}"
                )
            findings.same(f"{name}'s customer", record.get("customer"), data["customer"])
        if "total_cents" in data:
            if cents(record.get("total")) != data["total_cents"]:
                findings.fail(
                    f"{name}'s total is {record.get('total')} in the bundle but the audit "
                    f"trail recorded {Decimal(data['total_cents']).scaleb(-2)}"
                )
            findings.same(
                f"{name}'s transactions", record.get("transactions"), data["transactions"]
            )
        if "with_batch" in data:
            findings.same(f"{name}'s batch", record.get("opened_with_batch"), data["with_batch"])
    for seq, entry in by_seq.items():
        if entry["fields"]["action"] == "record_unlocked" and seq not in listed:
            number = entry["fields"]["target_number"]
            findings.fail(f"the records leave out {number}, whose unlock entry #{seq} records")


# ---------------------------------------------------------------- the approver's passkey


def statement_challenge(statement):
    """What the approver's authenticator signed: SHA-256 of the consent statement's compact
    JSON (sorted keys, UTF-8): the consent's SHA-256, the request id, its targets with
    amounts."""
    encoded = json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).digest()


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_passkey(bundle, by_seq, findings):
    """Whether the approver's passkey signed this consent, request and amounts."""
    passkey = bundle.get("passkey")
    approval = bundle.get("approval") or {}
    # Of two approvers, the signature of the one whose approval unlocked.
    kept = [
        e
        for e in by_seq.values()
        if e["fields"]["action"] == "consent_signed"
        and e["fields"]["data"].get("approver") == approval.get("approver")
    ]
    if passkey is None:
        if kept:
            findings.fail("the bundle leaves out the passkey signature its entries record")
        return False
    if not kept or kept[-1]["seq"] != passkey.get("entry"):
        findings.fail("the passkey signature names no entry that kept it")
        return False
    recorded = kept[-1]["fields"]["data"]
    for name in (
        "approver",
        "public_key",
        "client_data_json",
        "authenticator_data",
        "signature",
        "statement",
    ):
        if passkey.get(name) != recorded.get(name):
            findings.fail(f"the passkey signature's {name.replace('_', ' ')} is not the one kept")
    if "passkey" not in (approval.get("approved_with") or []):
        findings.fail(
            "a passkey signature is in the bundle, but the approval was not proved with one"
        )
    try:
        client_data = b64url(passkey["client_data_json"])
        client = json.loads(client_data)
        authenticator_data = b64url(passkey["authenticator_data"])
        signature = b64url(passkey["signature"])
        key = load_der_public_key(base64.b64decode(passkey["public_key"]))
    except (KeyError, ValueError, TypeError):
        findings.fail("the passkey signature is malformed")
        return False
    if client.get("type") != "webauthn.get":
        findings.fail("the passkey signature is not a WebAuthn assertion")
    if authenticator_data[:32] != hashlib.sha256(passkey.get("rp_id", "").encode()).digest():
        findings.fail("the passkey signature was made for another site than the desk")
    statement = passkey.get("statement")
    if statement is None:
        findings.fail("the passkey signed no consent statement, only a sign-in challenge")
        return False
    if b64url(client.get("challenge", "")) != statement_challenge(statement):
        findings.fail("the approver's passkey signed another statement than the bundle's")
    consent = bundle.get("consent") or {}
    findings.same(
        "the consent the passkey signed", statement.get("consent_sha256"), consent.get("sha256")
    )
    findings.same(
        "the request the passkey signed", statement.get("request"), bundle["request"]["id"]
    )
    shown = {(r["type"], r["number"]): r for r in bundle.get("records") or []}
    for target in statement.get("targets", []):
        record = shown.get((target.get("type"), target.get("number")))
        if record is None:
            findings.fail(f"the passkey signed {target.get('number')}, which the bundle leaves out")
            continue
        signed_cents = cents(target.get("amount"))
        if record.get("amount") is not None and cents(record["amount"]) != signed_cents:
            findings.fail(
                f"{target.get('number')}'s amount is {record['amount']} in the bundle but the "
                f"approver's passkey signed {target.get('amount')}"
            )
        # A batch's signed figure is its total as shown; the approval reopens only what is
        # bypassed in it, never more than that.
        if record.get("total") is not None and cents(record["total"]) > signed_cents:
            findings.fail(
                f"{target.get('number')} reopened {record['total']}, more than the "
                f"{target.get('amount')} the approver's passkey signed"
            )
    signed = authenticator_data + hashlib.sha256(client_data).digest()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, signed, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, Ed25519PublicKey):
            key.verify(signature, signed)
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
        else:
            findings.fail("the passkey's public key is of a kind this verifier does not know")
            return False
    except InvalidSignature:
        findings.fail("the approver's passkey signature does not hold: the assertion was changed")
        return False
    return True


# ---------------------------------------------------------------- the whole


def verify(bundle, keys_document):
    """(status, problems, facts): status "valid", "invalid" or "not yet covered"."""
    findings = Findings()
    if bundle.get("format") != FORMAT:
        return "invalid", [f"this is not an {FORMAT} bundle"], []
    keys = read_keys(keys_document, findings)
    by_seq = check_entries(bundle, findings)
    check_request(bundle, by_seq, findings)
    check_consent_and_approval(bundle, by_seq, findings)
    check_records(bundle, by_seq, findings)
    passkey_signed = check_passkey(bundle, by_seq, findings)
    checkpoint = bundle.get("checkpoint")
    facts = []
    if checkpoint is None:
        status = "invalid" if findings.problems else "not yet covered"
        return status, findings.problems, facts
    signed = check_checkpoint(checkpoint, keys, bundle["tenant"]["slug"], findings)
    if signed is not None and by_seq:
        _, size, root, _ = signed
        known = {seq - 1: leaf_hash(e["hash"]) for seq, e in by_seq.items()}
        proof = [base64.b64decode(h) for h in checkpoint.get("inclusion_proof", [])]
        if max(by_seq) > size:
            findings.fail(f"checkpoint {checkpoint['number']} ends before entry #{max(by_seq)}")
        elif root_from_proof(size, known, proof) != root:
            findings.fail(
                f"the entries do not link to checkpoint {checkpoint['number']}'s signed root: "
                "an entry, its hash or a link of the inclusion proof was changed"
            )
    if not findings.problems:
        facts = _facts(bundle, checkpoint, passkey_signed)
    return ("invalid" if findings.problems else "valid"), findings.problems, facts


def _facts(bundle, checkpoint, passkey_signed):
    request, approval = bundle["request"], bundle.get("approval")
    facts = [
        f"request {request['id']} of {bundle['tenant']['name']} ({bundle['tenant']['slug']}), "
        f"opened {request['opened_at']} by {request['opened_by']} for "
        f"{request['caller_name']} <{request['caller_email']}>"
    ]
    if approval:
        facts.append(
            f"approved {approval['at']} by {approval['approver']} with "
            f"{' + '.join(approval['approved_with'])} from {approval['ip'] or 'an unknown address'}"
        )
        if passkey_signed:
            facts.append(
                "the approver's own passkey signed the consent, the request and its amounts"
            )
        consent = bundle["consent"]
        facts.append(f"consent version {consent['version']} accepted, SHA-256 {consent['sha256']}")
        if approval.get("total") is not None:
            facts.append(
                f"{approval['transactions']} transaction(s) reopened, "
                f"{approval['total']} {approval['currency']} in all"
            )
    facts.append(f"{len(bundle['records'])} record(s) as the audit trail recorded them")
    facts.append(
        f"{len(bundle['entries'])} audit entries in checkpoint {checkpoint['number']} "
        f"(entries up to #{checkpoint['tree_size']}), signed with key {checkpoint['key_id']}"
    )
    return facts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bundle", help="the evidence bundle (JSON)")
    parser.add_argument("--keys", required=True, help="the desk's public keys document (JSON)")
    args = parser.parse_args(argv)
    try:
        with open(args.bundle, encoding="utf-8") as f:
            bundle = json.load(f)
        with open(args.keys, encoding="utf-8") as f:
            keys_document = json.load(f)
    except (OSError, ValueError) as error:
        print(f"cannot read the files: {error}", file=sys.stderr)
        return 3
    try:
        status, problems, facts = verify(bundle, keys_document)
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        print(
            f"invalid: the bundle is malformed ({type(error).__name__}: {error})", file=sys.stderr
        )
        return 1
    if status == "valid":
        print("valid")
        for fact in facts:
            print(f"  {fact}")
        return 0
    if status == "not yet covered":
        print(
            "not yet covered: no signed checkpoint covers this request's audit entries yet. "
            "Download the bundle again after the next checkpoint (within minutes)."
        )
        return 2
    print("invalid", file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
