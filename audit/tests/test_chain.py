import threading
import uuid

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import TenantFactory
from audit.actors import Actor
from audit.models import AppendOnlyError, AuditChainHead, AuditEntry
from audit.selectors import verify_chain
from audit.services import record_entries, record_entry

SYSTEM = Actor.system()


def write(tenant, n):
    return [
        record_entry(tenant=tenant, action="pin_set", actor=SYSTEM, data={"i": i}) for i in range(n)
    ]


def test_entries_form_a_chain_per_tenant(db):
    a, b = TenantFactory(), TenantFactory()
    first, second = write(a, 2)
    [other] = write(b, 1)
    assert (first.seq, second.seq, other.seq) == (1, 2, 1)
    assert first.prev_hash == "" and second.prev_hash == first.hash
    assert verify_chain(tenant=a).ok and verify_chain(tenant=a).entries == 2


def test_several_entries_at_once_continue_the_chain_in_order(db):
    tenant = TenantFactory()
    [first] = write(tenant, 1)
    entries = record_entries(
        tenant=tenant,
        actor=SYSTEM,
        entries=[{"action": "pin_set", "data": {"i": i}} for i in range(3)],
    )
    assert [e.seq for e in entries] == [2, 3, 4]
    assert [e.prev_hash for e in entries] == [first.hash, entries[0].hash, entries[1].hash]
    assert [e.data for e in AuditEntry.objects.filter(seq__gt=1)] == [{"i": 0}, {"i": 1}, {"i": 2}]
    assert verify_chain(tenant=tenant).ok and verify_chain(tenant=tenant).entries == 4
    [after] = write(tenant, 1)
    assert (after.seq, after.prev_hash) == (5, entries[-1].hash)


def test_one_changes_entries_share_its_time_and_check_out_with_every_kind_of_value(db):
    tenant = TenantFactory()
    request_id = uuid.uuid4()
    entries = record_entries(
        tenant=tenant,
        actor=Actor(kind="agent", label="avery@support.example", ip="203.0.113.9", user_id=7),
        entries=[
            {"action": "request_approved", "request": request_id, "consent_version": 3},
            {"action": "record_unlocked", "request": request_id, "target": ("invoice", "INV-1")},
        ],
    )
    # One change, one moment: the approval and the records it opened happened together.
    assert len({e.at for e in AuditEntry.objects.filter(tenant=tenant)}) == 1
    assert entries[0].at == entries[1].at
    # The hash written covers the UUID, the time and the numbers as the check reads them.
    assert verify_chain(tenant=tenant).ok and verify_chain(tenant=tenant).entries == 2


def test_entries_cost_the_same_queries_however_many_there_are(db):
    tenant = TenantFactory()
    write(tenant, 1)
    counts = []
    for n in (1, 20):
        with CaptureQueriesContext(connection) as queries:
            record_entries(
                tenant=tenant, actor=SYSTEM, entries=[{"action": "pin_set"} for _ in range(n)]
            )
        counts.append(len(queries))
    # Lock the chain's head, insert the entries, move the head.
    assert counts == [3, 3]


def test_the_model_refuses_changes_and_deletes(db):
    [entry] = write(TenantFactory(), 1)
    entry.action = "request_opened"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()


def _tamper(sql, params):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # As a superuser would: flush deferred checks, then set the trigger aside.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")


def test_verify_names_an_entry_changed_behind_its_back(db):
    tenant = TenantFactory()
    entries = write(tenant, 5)
    _tamper("UPDATE audit_auditentry SET data = %s WHERE id = %s", ['{"i": 99}', entries[2].pk])
    report = verify_chain(tenant=tenant)
    assert (report.ok, report.first_bad_seq) == (False, 3)


def test_verify_names_an_entry_removed_behind_its_back(db):
    tenant = TenantFactory()
    entries = write(tenant, 5)
    _tamper("DELETE FROM audit_auditentry WHERE id = %s", [entries[3].pk])
    assert verify_chain(tenant=tenant).first_bad_seq == 4


def test_the_command_exits_1_and_names_the_entry(db, capsys):
    tenant = TenantFactory(slug="tampered")
    entries = write(tenant, 3)
    call_command("audit_verify", tenant="tampered")
    assert "ok, 3 entries" in capsys.readouterr().out
    _tamper("UPDATE audit_auditentry SET actor_label = 'x' WHERE id = %s", [entries[1].pk])
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit_verify", tenant="tampered")
    assert exit_info.value.code == 1
    assert "entry #2" in capsys.readouterr().err


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditentry SET action = 'x'",
        "DELETE FROM audit_auditentry",
        "TRUNCATE audit_auditentry",
    ],
)
def test_postgres_rejects_update_delete_and_truncate(db, sql):
    write(TenantFactory(), 1)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEntry.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_a_tenants_chain():
    tenant = TenantFactory()
    barrier = threading.Barrier(10)
    errors = []

    def writer():
        try:
            barrier.wait()
            for _ in range(5):
                record_entry(tenant=tenant, action="pin_set", actor=SYSTEM)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = verify_chain(tenant=tenant)
    assert (report.ok, report.entries) == (True, 50)
    assert sorted(AuditEntry.objects.values_list("seq", flat=True)) == list(range(1, 51))


def test_the_entries_come_back_with_their_ids_and_the_head_moves_to_the_last(db):
    tenant = TenantFactory()
    [first] = write(tenant, 1)
    with CaptureQueriesContext(connection) as queries:
        entries = record_entries(
            tenant=tenant, actor=SYSTEM, entries=[{"action": "pin_set"} for _ in range(3)]
        )
    lock, insert, move = (q["sql"] for q in queries)
    assert lock.startswith('SELECT "audit_auditchainhead"')
    if connection.features.has_select_for_update:
        assert lock.endswith("FOR UPDATE")
    assert insert.startswith('INSERT INTO "audit_auditentry"')
    assert move.startswith('UPDATE "audit_auditchainhead"')
    # The ids the database gave, in order, on the entries returned.
    stored = list(AuditEntry.objects.filter(seq__gt=1).order_by("seq").values_list("pk", "hash"))
    assert [(e.pk, e.hash) for e in entries] == stored
    head = AuditChainHead.objects.get(tenant=tenant)
    assert (head.last_seq, head.last_hash) == (4, entries[-1].hash)
    assert entries[0].prev_hash == first.hash
    assert verify_chain(tenant=tenant).ok
