"""A fault mid-approval: nothing unlocked, nothing half-audited, and a retry works."""

import threading

import pytest
from django.db import Error, OperationalError, connection, connections
from django.db.models.query import QuerySet

from accounts.tests.factories import TenantFactory, admin_of
from audit.models import AuditChainHead, AuditEntry
from audit.selectors import verify_chain
from unlocks.models import Batch, Invoice, LockState, Payment, RequestStatus
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for, verify


def after_nth_call(monkeypatch, owner, name, n, fault):
    """Let the first n-1 calls of owner.name run, then run the n-th and call `fault`."""
    real = getattr(owner, name)
    calls = []

    def wrapped(*args, **kwargs):
        calls.append(name)
        if len(calls) == n:
            return fault(real, *args, **kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapped)
    return calls


def raise_instead(real, *args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


def snapshot(tenant, batch, request):
    request.refresh_from_db()
    return {
        "status": request.status,
        "batch": Batch.objects.get(pk=batch.pk).state,
        "transactions": sorted(Invoice.objects.filter(batch=batch).values_list("state", flat=True))
        + sorted(Payment.objects.filter(batch=batch).values_list("state", flat=True)),
        "entries": AuditEntry.objects.filter(tenant=tenant).count(),
        "head": AuditChainHead.objects.get(tenant=tenant).last_seq,
    }


@pytest.fixture
def pending(tenant, admin):
    batch = f.bypassed_batch(tenant, invoices=2, payments=1)
    request = open_for(tenant, batch)
    return batch, request


def assert_untouched_then_retry_succeeds(tenant, admin, batch, request, before):
    assert snapshot(tenant, batch, request) == before
    assert before["status"] == RequestStatus.PENDING
    assert before["batch"] == LockState.BYPASSED
    assert set(before["transactions"]) == {LockState.BYPASSED}
    assert verify_chain(tenant=tenant).ok

    assert verify(request, admin).status == RequestStatus.COMPLETED
    after = snapshot(tenant, batch, request)
    assert after["batch"] == LockState.OPEN
    assert set(after["transactions"]) == {LockState.OPEN}
    # The approval, the batch and each of its three transactions, with no gap left by the
    # failed try.
    assert after["entries"] == before["entries"] + 5 == after["head"]
    assert verify_chain(tenant=tenant).ok


def test_an_error_after_the_first_update_unlocks_nothing(tenant, admin, pending, monkeypatch):
    batch, request = pending
    before = snapshot(tenant, batch, request)
    opened_before_the_fault = []

    def raise_once_opened(real, *args, **kwargs):
        # The batch's own update comes after its transactions were opened.
        opened_before_the_fault.extend(
            Invoice.objects.filter(batch=batch, state=LockState.OPEN).values_list("number")
        )
        raise_instead(real, *args, **kwargs)

    # The invoices' update, the payments' update, then the batch's: the third.
    calls = after_nth_call(monkeypatch, QuerySet, "update", 3, raise_once_opened)

    with pytest.raises(OperationalError):
        verify(request, admin)

    assert calls == ["update"] * 3
    assert len(opened_before_the_fault) == 2  # both invoices were opened, then the fault
    monkeypatch.undo()
    assert_untouched_then_retry_succeeds(tenant, admin, batch, request, before)


def raise_after(real, *args, **kwargs):
    real(*args, **kwargs)
    raise OperationalError("the connection dropped after the entries were inserted")


class AuditInsert:
    """The audit entries' multi-row insert (bulk_create's INSERT), faulted at the statement."""

    def __init__(self, fault):
        self.calls = []
        self.fault = fault

    def __call__(self, execute, sql, params, many, context):
        if 'INSERT INTO "audit_auditentry"' not in sql:
            return execute(sql, params, many, context)
        self.calls.append(sql.split(" ", 1)[0])
        return self.fault(execute, sql, params, many, context)


# The approval and its unlocked records are written as one multi-row insert:
# 1, that insert fails; 2, it is done and then the connection fails.
@pytest.mark.parametrize("fault", [raise_instead, raise_after], ids=["fails", "fails-after"])
def test_an_error_while_auditing_the_approval_leaves_no_half_written_entry(
    tenant, admin, pending, fault
):
    batch, request = pending
    before = snapshot(tenant, batch, request)
    insert = AuditInsert(fault)

    with connection.execute_wrapper(insert), pytest.raises(OperationalError):
        verify(request, admin)

    assert insert.calls == ["INSERT"]
    assert_untouched_then_retry_succeeds(tenant, admin, batch, request, before)


def test_an_error_inside_the_chain_write_leaves_the_head_where_it_was(tenant, admin, pending):
    batch, request = pending
    before = snapshot(tenant, batch, request)

    # The head moves in an UPDATE of its own, after the entries' INSERT: that statement fails.
    def moves_head(sql):
        return sql.startswith('UPDATE "audit_auditchainhead"')

    failed = []

    def fail_the_heads_update(execute, sql, params, many, context):
        if moves_head(sql):
            failed.append(sql)
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail_the_heads_update), pytest.raises(OperationalError):
        verify(request, admin)

    assert len(failed) == 1
    assert_untouched_then_retry_succeeds(tenant, admin, batch, request, before)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_connection_killed_mid_approval_unlocks_nothing_and_a_retry_succeeds(monkeypatch):
    tenant = TenantFactory()
    admin = admin_of(tenant)
    batch = f.bypassed_batch(tenant, invoices=2, payments=1)
    request = open_for(tenant, batch)
    before = snapshot(tenant, batch, request)

    def kill_the_connection(real, *args, **kwargs):
        result = real(*args, **kwargs)
        # The server process of this transaction, asked inside it: behind PgBouncer in
        # transaction mode a connection has no server process of its own between them.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            [victim] = cursor.fetchone()

        def terminate():
            try:
                with connections["default"].cursor() as cursor:
                    cursor.execute("SELECT pg_terminate_backend(%s)", [victim])
            finally:
                connections.close_all()

        killer = threading.Thread(target=terminate)
        killer.start()
        killer.join()
        return result

    after_nth_call(monkeypatch, QuerySet, "update", 1, kill_the_connection)

    with pytest.raises(Error):
        verify(request, admin)

    monkeypatch.undo()
    # What the end of the HTTP request does with a broken connection.
    connection.close()
    assert_untouched_then_retry_succeeds(tenant, admin, batch, request, before)
