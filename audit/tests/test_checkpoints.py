import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import TenantFactory
from audit import keys, note
from audit.actors import Actor
from audit.chain import entry_hash
from audit.checkpoints import held, sign_checkpoint, sign_checkpoints
from audit.models import AppendOnlyError, AuditCheckpoint, AuditEntry
from audit.selectors import verify_chain
from audit.services import record_entries

SYSTEM = Actor.system()


def write(tenant, n):
    return record_entries(
        tenant=tenant,
        actor=SYSTEM,
        entries=[{"action": "pin_set", "data": {"i": i}} for i in range(n)],
    )


def tamper(sql, params=()):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # As a superuser would: set the append-only triggers aside.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE audit_auditcheckpoint DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")
            cursor.execute("ALTER TABLE audit_auditcheckpoint ENABLE TRIGGER USER")


def rewrite_and_rehash(tenant, seq):
    """The attack a hash chain alone cannot catch: change entry #seq, then recompute its
    hash and every later entry's, and move the head to match."""
    from audit.chain import HASHED_FIELDS

    rows = list(AuditEntry.objects.filter(tenant=tenant, seq__gte=seq).order_by("seq"))
    prev = rows[0].prev_hash
    for i, entry in enumerate(rows):
        values = {name: getattr(entry, name) for name in HASHED_FIELDS}
        if i == 0:
            values["data"] = {"i": 999}
        new_hash = entry_hash(values, prev)
        tamper(
            "UPDATE audit_auditentry SET data = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [json.dumps(values["data"]), prev, new_hash, entry.pk],
        )
        prev = new_hash
    tamper("UPDATE audit_auditchainhead SET last_hash = %s WHERE tenant_id = %s", [prev, tenant.pk])


# ---------------------------------------------------------------- the formats


def rfc6962_root(leaves):
    """The tree hash as RFC 6962 section 2.1 writes it, recursively."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return note.node_hash(rfc6962_root(leaves[:k]), rfc6962_root(leaves[k:]))


def test_the_tree_grown_a_leaf_at_a_time_has_rfc_6962s_root():
    leaves = [hashlib.sha256(bytes([i])).digest() for i in range(37)]
    frontier, size = [], 0
    for n in range(1, 38):
        frontier, size = note.extend(frontier, size, leaves[n - 1 : n])
        assert note.root_of(frontier) == rfc6962_root(leaves[:n])
    # And grown in two steps from a stored frontier, the same.
    first, size = note.extend([], 0, leaves[:20])
    assert note.root_of(note.extend(first, size, leaves[20:])[0]) == rfc6962_root(leaves)


@pytest.mark.parametrize("picked", [[0], [36], [5, 6, 7, 8], [0, 17, 36], list(range(37))])
def test_a_multi_leaf_proof_gives_the_root_and_nothing_else_does(picked):
    leaves = [hashlib.sha256(bytes([i])).digest() for i in range(37)]
    proof = note.multi_proof(leaves, picked)
    known = {i: leaves[i] for i in picked}
    assert note.root_from_proof(37, known, proof) == rfc6962_root(leaves)
    assert note.root_from_proof(37, known, [*proof, leaves[0]]) is None
    if proof:
        assert note.root_from_proof(37, known, proof[:-1]) is None
        changed = {**known, picked[0]: leaves[picked[0] - 1]}
        assert note.root_from_proof(37, changed, proof) != rfc6962_root(leaves)


def test_a_run_of_neighbouring_entries_needs_a_logarithmic_proof():
    leaves = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(5000)]
    proof = note.multi_proof(leaves, list(range(2100, 2300)))
    assert len(proof) <= 2 * 13


def test_the_key_id_is_c2sps_and_the_signature_line_its_form():
    private = Ed25519PrivateKey.from_private_bytes(bytes(32))
    public = private.public_key().public_bytes_raw()
    expected = hashlib.sha256(b"example.com/log\n\x01" + public).digest()[:4]
    assert note.key_id("example.com/log", public) == expected
    signed = note.sign_note("a\nb\n", name="example.com/log", private_key=private)
    text, signature_line = signed.split("\n\n")
    assert text == "a\nb"
    dash, name, encoded = signature_line.rstrip("\n").split(" ")
    assert (dash, name) == ("\u2014", "example.com/log")
    assert base64.b64decode(encoded)[:4] == expected
    assert note.note_signed_by(signed, name="example.com/log", public_key=public) == "a\nb\n"
    assert (
        note.note_signed_by(signed.replace("b", "c", 1), name="example.com/log", public_key=public)
        is None
    )


# ---------------------------------------------------------------- signing


def test_a_checkpoint_signs_the_chain_head_in_c2sps_checkpoint_format(db):
    tenant = TenantFactory(slug="acme")
    entries = write(tenant, 5)
    checkpoint = sign_checkpoint(tenant_id=tenant.pk)
    lines = checkpoint.note.split("\n")
    assert lines[0] == "unlock-desk.test/audit/acme"
    assert lines[1] == "5"
    leaves = [note.leaf_hash(e.hash) for e in entries]
    assert base64.b64decode(lines[2]) == rfc6962_root(leaves)
    assert lines[4] == f"head {entries[-1].hash}" and lines[5] == "checkpoint 1"
    assert lines[6] == "prev none" and lines[7] == ""
    assert lines[8].startswith("\u2014 unlock-desk.test/audit ")
    assert checkpoint.key_id == keys.current_public_key().key_id
    assert held(checkpoint).text.tree_size == 5


def test_only_a_chain_that_moved_is_signed_and_each_checkpoint_names_the_one_before(db):
    moving, still = TenantFactory(), TenantFactory()
    write(moving, 3)
    write(still, 2)
    assert sign_checkpoints() == 2
    assert sign_checkpoints() == 0
    write(moving, 4)
    with CaptureQueriesContext(connection) as queries:
        assert sign_checkpoints() == 1
    first, second = AuditCheckpoint.objects.filter(tenant=moving).order_by("number")
    assert (second.number, second.tree_size) == (2, 7)
    assert f"prev 1 {note.note_digest(first.note)}" in second.note
    # The heads, then for the moved tenant: its head, last checkpoint, the new entries,
    # its slug, the insert (in a savepoint).
    assert len(queries) <= 9
    # Extending the stored frontier gives the root of the whole tree.
    all_leaves = [
        note.leaf_hash(h)
        for h in AuditEntry.objects.filter(tenant=moving).values_list("hash", flat=True)
    ]
    assert second.root_hash == rfc6962_root(all_leaves).hex()


def test_a_broken_chain_is_not_signed(db):
    tenant = TenantFactory()
    entries = write(tenant, 3)
    sign_checkpoint(tenant_id=tenant.pk)
    write(tenant, 2)
    tamper("UPDATE audit_auditentry SET data = %s WHERE id = %s", ['{"i": 7}', entries[-1].pk + 1])
    assert sign_checkpoint(tenant_id=tenant.pk) is None
    assert AuditCheckpoint.objects.filter(tenant=tenant).count() == 1


def test_checkpoints_are_append_only(db):
    tenant = TenantFactory()
    write(tenant, 1)
    checkpoint = sign_checkpoint(tenant_id=tenant.pk)
    with pytest.raises(AppendOnlyError):
        checkpoint.save()
    with pytest.raises(AppendOnlyError):
        AuditCheckpoint.objects.filter(pk=checkpoint.pk).update(tree_size=9)
    with pytest.raises(AppendOnlyError):
        checkpoint.delete()


@pytest.mark.postgres
def test_the_database_refuses_to_change_a_checkpoint(db):
    from django.db import DatabaseError, transaction

    tenant = TenantFactory()
    write(tenant, 1)
    checkpoint = sign_checkpoint(tenant_id=tenant.pk)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditcheckpoint SET tree_size = 9 WHERE id = %s", [checkpoint.pk]
        )


def test_the_command_signs_and_says_how_many(db, capsys, settings):
    write(TenantFactory(), 2)
    call_command("sign_checkpoints")
    assert "Signed 1 checkpoint(s)." in capsys.readouterr().out
    settings.AUDIT_SIGNING_KEY = ""
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="AUDIT_SIGNING_KEY"):
        call_command("sign_checkpoints")


# ---------------------------------------------------------------- verifying from a checkpoint


def test_verify_reads_only_the_entries_after_the_last_checkpoint(db):
    tenant = TenantFactory()
    write(tenant, 50)
    sign_checkpoint(tenant_id=tenant.pk)
    write(tenant, 7)
    report = verify_chain(tenant=tenant)
    assert (report.ok, report.entries, report.checkpoint, report.checkpoint_size) == (
        True,
        7,
        1,
        50,
    )
    full = verify_chain(tenant=tenant, full=True)
    assert (full.ok, full.entries, full.full) == (True, 57, True)


def test_a_rewritten_and_rehashed_chain_fails_at_the_checkpoint(db, capsys):
    tenant = TenantFactory(slug="rewritten")
    write(tenant, 10)
    sign_checkpoint(tenant_id=tenant.pk)
    write(tenant, 5)
    sign_checkpoint(tenant_id=tenant.pk)
    write(tenant, 3)
    rewrite_and_rehash(tenant, 12)
    # The chain alone holds together: every hash was recomputed.
    report = verify_chain(tenant=tenant)
    assert (report.ok, report.first_bad_seq, report.bad_checkpoint) == (False, 15, 2)
    assert (report.checkpoint, report.checkpoint_size) == (1, 10)
    full = verify_chain(tenant=tenant, full=True)
    assert (full.ok, full.first_bad_seq, full.checkpoint) == (False, 15, 1)
    with pytest.raises(SystemExit):
        call_command("audit_verify", tenant="rewritten")
    err = capsys.readouterr().err
    assert "BROKEN at entry #15" in err and "checkpoint 2" in err
    assert "Checkpoint 1 (up to entry #10) still holds." in err


def test_an_entry_changed_after_the_checkpoint_is_named(db):
    tenant = TenantFactory()
    entries = write(tenant, 10)
    sign_checkpoint(tenant_id=tenant.pk)
    more = write(tenant, 4)
    tamper("UPDATE audit_auditentry SET data = %s WHERE id = %s", ['{"i": 5}', more[1].pk])
    report = verify_chain(tenant=tenant)
    assert (report.ok, report.first_bad_seq, report.checkpoint) == (False, 12, 1)
    assert entries


def test_a_forged_checkpoint_signature_is_a_break(db):
    tenant = TenantFactory()
    write(tenant, 4)
    checkpoint = sign_checkpoint(tenant_id=tenant.pk)
    forged = checkpoint.note.replace("\n4\n", "\n3\n", 1)
    tamper("UPDATE audit_auditcheckpoint SET note = %s WHERE id = %s", [forged, checkpoint.pk])
    report = verify_chain(tenant=tenant)
    assert (report.ok, report.bad_checkpoint, report.checkpoint) == (False, 1, None)


def test_a_retired_keys_checkpoints_still_verify(db, settings, tmp_path):
    tenant = TenantFactory()
    write(tenant, 3)
    old = sign_checkpoint(tenant_id=tenant.pk)
    retired = keys.current_public_key().as_document() | {"valid_until": "2026-06-01T00:00:00Z"}
    (tmp_path / "retired.json").write_text(json.dumps({"keys": [retired]}))
    new_key = Ed25519PrivateKey.generate().private_bytes_raw()
    settings.AUDIT_SIGNING_KEY = base64.b64encode(new_key).decode()
    settings.AUDIT_RETIRED_KEYS_FILE = str(tmp_path / "retired.json")
    write(tenant, 2)
    new = sign_checkpoint(tenant_id=tenant.pk)
    assert new.key_id != old.key_id
    assert held(old).key.valid_until == "2026-06-01T00:00:00Z"
    full = verify_chain(tenant=tenant, full=True)
    assert (full.ok, full.checkpoint) == (True, 2)
    # Without the retired key listed, its checkpoint no longer holds: a break.
    settings.AUDIT_RETIRED_KEYS_FILE = ""
    assert verify_chain(tenant=tenant, full=True).bad_checkpoint == 1


def test_the_keys_document_lists_current_and_retired_keys(client, settings, tmp_path):
    retired = {
        "name": "unlock-desk.test/audit",
        "public_key": base64.b64encode(bytes(range(32))).decode(),
        "valid_from": "2025-01-01T00:00:00Z",
        "valid_until": "2026-01-01T00:00:00Z",
    }
    (tmp_path / "retired.json").write_text(json.dumps({"keys": [retired]}))
    settings.AUDIT_RETIRED_KEYS_FILE = str(tmp_path / "retired.json")
    response = client.get("/.well-known/unlock-desk-keys.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    document = response.json()
    assert document["format"] == "unlock-desk-keys/1"
    current, old = document["keys"]
    assert (current["status"], current["valid_until"]) == ("current", None)
    assert current["key_id"] == keys.current_public_key().key_id
    assert (old["status"], old["valid_from"]) == ("retired", "2025-01-01T00:00:00Z")
    assert old["vkey"].startswith("unlock-desk.test/audit+" + old["key_id"] + "+")


def test_a_proof_from_the_kept_tiles_is_the_proof_from_every_leaf(db):
    from audit.checkpoints import TILE_LEAVES, TILE_LEVEL, inclusion_proof
    from audit.models import AuditTreeTile

    tenant = TenantFactory()
    write(tenant, TILE_LEAVES * 3 + 100)
    sign_checkpoint(tenant_id=tenant.pk)
    write(tenant, TILE_LEAVES + 7)
    checkpoint = sign_checkpoint(tenant_id=tenant.pk)
    assert AuditTreeTile.objects.filter(tenant=tenant).count() == 4
    hashes = list(AuditEntry.objects.filter(tenant=tenant).values_list("hash", flat=True))
    leaves = [note.leaf_hash(h) for h in hashes]
    for seqs in ([1], [2 * TILE_LEAVES + 5, 2 * TILE_LEAVES + 6], [len(hashes)], [700, 4000]):
        with CaptureQueriesContext(connection) as queries:
            proof = inclusion_proof(tenant_id=tenant.pk, tree_size=checkpoint.tree_size, seqs=seqs)
        expected = note.multi_proof(leaves, [s - 1 for s in seqs])
        assert proof == [base64.b64encode(node).decode() for node in expected]
        known = {s - 1: leaves[s - 1] for s in seqs}
        root = note.root_from_proof(len(leaves), known, [base64.b64decode(p) for p in proof])
        assert root.hex() == checkpoint.root_hash
        # The tiles, and for each run of entries the blocks beside it under a tile's size
        # (at most one per level on each side): never the whole chain.
        assert len(queries) <= 1 + 2 * TILE_LEVEL * len(seqs)
