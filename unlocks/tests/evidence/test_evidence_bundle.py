"""An approval's evidence bundle, fetched through each door and checked as an auditor
checks it: offline, with tools/verify_evidence.py and the keys document alone."""

import base64
import copy
import json
import subprocess
import sys

import pytest

from audit.checkpoints import sign_checkpoints
from audit.models import AuditEntry
from audit.tests.test_checkpoints import rewrite_and_rehash, tamper
from unlocks.models import Invoice
from unlocks.tests.api.conftest import open_request
from unlocks.tests.api.test_verify import verify
from unlocks.tests.evidence.conftest import VERIFIER, check, verifier


@pytest.fixture
def approved(api):
    """B-1001 (INV-1001, INV-1002, PAY-1001) and the bypassed PAY-2002, approved by Pat
    over the API, and a checkpoint signed after it."""
    opened = open_request(api, ("batch", "B-1001"), ("payment", "PAY-2002"))
    assert verify(api, opened["id"]).status_code == 200
    sign_checkpoints()
    return opened["id"]


def bundle_of(api, request_id):
    response = api.get(f"/api/v1/unlock-requests/{request_id}/evidence/")
    assert response.status_code == 200
    return response.json()


def test_the_bundle_holds_what_the_approval_proves_and_verifies(api, approved, keys_document):
    bundle = bundle_of(api, approved)

    assert bundle["format"] == "unlock-desk-evidence/1"
    assert bundle["covered"] is True
    assert bundle["approval"]["approver"] == "pat@acme.test"
    assert bundle["approval"]["ip"] == "203.0.113.7"
    assert bundle["consent"]["text"].startswith("We are confirming that this action")
    records = {r["number"]: r for r in bundle["records"]}
    assert set(records) == {"B-1001", "INV-1001", "INV-1002", "PAY-1001", "PAY-2002"}
    assert (records["INV-1001"]["customer"], records["INV-1001"]["amount"]) == (
        "Jones Residence",
        "410.00",
    )
    assert (records["B-1001"]["transactions"], records["B-1001"]["total"]) == (3, "1637.50")
    assert records["INV-1002"]["opened_with_batch"] == "B-1001"
    seqs = [e["seq"] for e in bundle["entries"]]
    assert seqs == sorted(
        AuditEntry.objects.filter(request_id=approved).values_list("seq", flat=True)
    )
    assert any("Approved" in line for line in bundle["summary"])
    assert check(bundle, keys_document) == ("valid", [])


def test_the_verifier_runs_alone_and_says_valid(api, approved, keys_document, tmp_path):
    (tmp_path / "bundle.json").write_text(json.dumps(bundle_of(api, approved)))
    (tmp_path / "keys.json").write_text(json.dumps(keys_document))
    # A fresh interpreter with no Django on its path: only the file and `cryptography`.
    run = subprocess.run(
        [
            sys.executable,
            "-S",
            "-c",
            _without_django(),
            str(tmp_path / "bundle.json"),
            "--keys",
            str(tmp_path / "keys.json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("valid\n")
    assert "approved" in run.stdout and "pat@acme.test" in run.stdout


def _without_django():
    """Runs the verifier with `cryptography` importable and Django not."""
    import cryptography

    site = str(__import__("pathlib").Path(cryptography.__file__).parent.parent)
    return (
        "import sys, importlib.util; "
        f"sys.path.append({site!r}); "
        "sys.modules['django'] = None; "
        f"spec = importlib.util.spec_from_file_location('v', {str(VERIFIER)!r}); "
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); "
        "sys.argv = ['verify_evidence.py', *sys.argv[1:]]; sys.exit(m.main())"
    )


def test_the_receipt_and_the_console_give_the_same_proof(
    api, approved, keys_document, client, pat, agent_client
):
    client.force_login(pat)
    from_receipt = client.get(f"/receipts/{approved}/evidence.json")
    assert from_receipt.status_code == 200
    assert from_receipt["Content-Disposition"].startswith(
        'attachment; filename="unlock-evidence-acme-'
    )
    from_console = agent_client.get(f"/admin/unlocks/unlockrequest/{approved}/evidence/")
    assert from_console.status_code == 200
    for response in (from_receipt, from_console):
        bundle = json.loads(response.content)
        assert check(bundle, keys_document) == ("valid", [])
        assert bundle["entries"] == bundle_of(api, approved)["entries"]


def test_only_the_tenants_admins_get_it_from_the_receipt(approved, client, dana, sam):
    client.force_login(dana)  # a member of Acme
    assert client.get(f"/receipts/{approved}/evidence.json").status_code == 403
    client.force_login(sam)  # an admin of Birch
    assert client.get(f"/receipts/{approved}/evidence.json").status_code == 404


def test_the_api_answers_an_unknown_request_with_its_error(api):
    response = api.get("/api/v1/unlock-requests/00000000-0000-0000-0000-000000000000/evidence/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# ---------------------------------------------------------------- tampering with the file


def _changed(bundle, change):
    tampered = copy.deepcopy(bundle)
    change(tampered)
    return tampered


def _record(bundle, number):
    return next(r for r in bundle["records"] if r["number"] == number)


def _entry(bundle, action):
    return next(e for e in bundle["entries"] if e["fields"]["action"] == action)


def _flip_signature(bundle):
    note = bundle["checkpoint"]["note"]
    head, _, line = note.rstrip("\n").rpartition("\n")
    dash, name, encoded = line.split(" ")
    raw = bytearray(base64.b64decode(encoded))
    raw[-1] ^= 1
    bundle["checkpoint"]["note"] = (
        f"{head}\n{dash} {name} {base64.b64encode(bytes(raw)).decode()}\n"
    )


TAMPERS = {
    "amount": (
        lambda b: _record(b, "INV-1001").update(amount="41.00"),
        "INV-1001's amount is 41.00 in the bundle but the audit trail recorded 410.00",
    ),
    "customer": (
        lambda b: _record(b, "PAY-2002").update(customer="Someone Else"),
        "PAY-2002's customer",
    ),
    "batch total": (lambda b: _record(b, "B-1001").update(total="1.00"), "B-1001's total"),
    "left-out record": (
        lambda b: b["records"].remove(_record(b, "INV-1002")),
        "the records leave out INV-1002",
    ),
    "consent word": (
        lambda b: b["consent"].update(text=b["consent"]["text"].replace("sole", "shared")),
        "the consent text does not match its SHA-256",
    ),
    "approver": (
        lambda b: b["approval"].update(approver="lee@acme.test"),
        "the approver is 'lee@acme.test' in the bundle",
    ),
    "factors": (
        lambda b: b["approval"].update(approved_with=["pin", "passkey"]),
        "what the approval was proved with",
    ),
    "address": (lambda b: b["approval"].update(ip="198.51.100.1"), "the approver's IP address"),
    "entry": (
        lambda b: _entry(b, "request_opened")["fields"]["data"].update(channel="email"),
        "content does not match its hash",
    ),
    "entry and its hash": (
        lambda b: _rehash(_entry(b, "request_opened"), reason="Asked in writing"),
        "do not link to checkpoint",
    ),
    "link": (
        lambda b: b["checkpoint"]["inclusion_proof"].__setitem__(
            0, base64.b64encode(bytes(32)).decode()
        ),
        "do not link to checkpoint",
    ),
    "checkpoint": (
        lambda b: b["checkpoint"].update(
            note=b["checkpoint"]["note"].replace("time 2", "time 1", 1)
        ),
        "signature does not hold",
    ),
    "signature": (_flip_signature, "signature does not hold"),
    "unknown key": (lambda b: b["checkpoint"].update(key_id="00000000"), "does not list"),
}


def _rehash(entry, **data):
    """Change an entry and give it the hash of its new content, as a forger would."""
    entry["fields"]["data"].update(data)
    entry["hash"] = verifier.entry_hash(entry["prev_hash"], entry["fields"])


@pytest.mark.parametrize("kind", list(TAMPERS))
def test_the_verifier_names_each_kind_of_change(api, approved, keys_document, kind):
    change, named = TAMPERS[kind]
    status, problems = check(_changed(bundle_of(api, approved), change), keys_document)
    assert status == "invalid"
    assert any(named in p for p in problems), problems


def test_the_command_exits_non_zero_and_names_it(api, approved, keys_document, tmp_path):
    tampered = _changed(bundle_of(api, approved), TAMPERS["amount"][0])
    (tmp_path / "bundle.json").write_text(json.dumps(tampered))
    (tmp_path / "keys.json").write_text(json.dumps(keys_document))
    run = subprocess.run(
        [
            sys.executable,
            str(VERIFIER),
            str(tmp_path / "bundle.json"),
            "--keys",
            str(tmp_path / "keys.json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1
    assert "INV-1001's amount is 41.00" in run.stderr


# ---------------------------------------------------------------- tampering with the database


def test_a_chain_rewritten_and_rehashed_in_the_database_fails_at_the_checkpoint(
    api, approved, keys_document
):
    opened = AuditEntry.objects.get(request_id=approved, action="request_opened")
    rewrite_and_rehash(opened.tenant, opened.seq)

    status, problems = check(bundle_of(api, approved), keys_document)
    assert status == "invalid"
    assert any("do not link to checkpoint 1" in p for p in problems), problems


def test_an_amount_changed_in_the_database_is_named(api, approved, keys_document):
    Invoice.objects.filter(number="INV-1001").update(amount_cents=1)
    # The bundle reads its figures from the trail, which the row's change does not touch.
    assert check(bundle_of(api, approved), keys_document) == ("valid", [])
    entry = AuditEntry.objects.get(request_id=approved, target_number="INV-1001")
    tamper(
        "UPDATE audit_auditentry SET data = %s WHERE id = %s",
        [json.dumps({**entry.data, "amount_cents": 100}), entry.pk],
    )
    status, problems = check(bundle_of(api, approved), keys_document)
    assert status == "invalid"
    assert any(f"entry #{entry.seq}'s content does not match its hash" in p for p in problems)


# ---------------------------------------------------------------- coverage and keys


def test_a_bundle_before_any_checkpoint_is_not_yet_covered_until_the_next_run(
    api, keys_document, tmp_path
):
    opened = open_request(api, ("batch", "B-1001"))
    assert verify(api, opened["id"]).status_code == 200
    bundle = bundle_of(api, opened["id"])
    assert (bundle["covered"], bundle["checkpoint"]) == (False, None)
    assert any("Not yet covered" in line for line in bundle["summary"])
    assert check(bundle, keys_document) == ("not yet covered", [])
    (tmp_path / "bundle.json").write_text(json.dumps(bundle))
    (tmp_path / "keys.json").write_text(json.dumps(keys_document))
    run = subprocess.run(
        [
            sys.executable,
            str(VERIFIER),
            str(tmp_path / "bundle.json"),
            "--keys",
            str(tmp_path / "keys.json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2 and run.stdout.startswith("not yet covered")

    sign_checkpoints()

    assert check(bundle_of(api, opened["id"]), keys_document) == ("valid", [])


def test_a_retired_keys_bundle_still_verifies(api, approved, client, settings, tmp_path):
    old = json.loads(client.get("/.well-known/unlock-desk-keys.json").content)["keys"][0]
    (tmp_path / "retired.json").write_text(
        json.dumps({"keys": [old | {"valid_until": "2099-01-01T00:00:00Z"}]})
    )
    settings.AUDIT_SIGNING_KEY = base64.b64encode(bytes(range(32))).decode()
    settings.AUDIT_RETIRED_KEYS_FILE = str(tmp_path / "retired.json")
    keys_now = json.loads(client.get("/.well-known/unlock-desk-keys.json").content)
    assert [k["status"] for k in keys_now["keys"]] == ["current", "retired"]

    assert check(bundle_of(api, approved), keys_now) == ("valid", [])
    # Without the retired key the same bundle names the key it lacks.
    keys_now["keys"] = keys_now["keys"][:1]
    status, problems = check(bundle_of(api, approved), keys_now)
    assert status == "invalid" and "does not list" in problems[0]


def test_the_proof_stays_small_however_busy_the_tenant_is(api, approved, keys_document, tenant):
    from audit.actors import Actor
    from audit.services import record_entries

    record_entries(
        tenant=tenant, actor=Actor.system(), entries=[{"action": "pin_set"} for _ in range(3000)]
    )
    again = open_request(api, ("payment", "PAY-2001"))
    assert verify(api, again["id"]).status_code == 200
    record_entries(
        tenant=tenant, actor=Actor.system(), entries=[{"action": "pin_set"} for _ in range(3000)]
    )
    sign_checkpoints()
    bundle = bundle_of(api, again["id"])
    assert bundle["checkpoint"]["tree_size"] > 6000
    # Two runs of the request's entries in a tree of 6,000: O(log n) hashes, not 6,000.
    assert len(bundle["checkpoint"]["inclusion_proof"]) <= 4 * 13
    assert check(bundle, keys_document) == ("valid", [])
