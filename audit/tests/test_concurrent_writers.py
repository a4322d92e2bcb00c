"""Fifty writers for one tenant at once never fork its chain, and verifying meanwhile stays calm."""

import threading

import pytest
from django.db import connections

from accounts.tests.factories import TenantFactory
from audit.actors import Actor
from audit.models import AuditChainHead, AuditEntry
from audit.selectors import verify_chain
from audit.services import record_entry

WRITERS = 50
EACH = 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_writers_for_one_tenant_never_fork_the_chain():
    tenant = TenantFactory()
    barrier = threading.Barrier(WRITERS + 1)
    errors, reports = [], []
    done = threading.Event()

    def writer(n):
        try:
            barrier.wait()
            for i in range(EACH):
                record_entry(
                    tenant=tenant, action="pin_set", actor=Actor.system(f"w{n}"), data={"i": i}
                )
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def verifier():
        # Verifying while writers append must never report tampering.
        try:
            barrier.wait()
            while not done.is_set():
                reports.append(verify_chain(tenant=tenant))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    checker = threading.Thread(target=verifier)
    for t in [*threads, checker]:
        t.start()
    for t in threads:
        t.join()
    done.set()
    checker.join()

    assert errors == []
    total = WRITERS * EACH
    report = verify_chain(tenant=tenant)
    assert (report.ok, report.entries, report.first_bad_seq) == (True, total, None)
    assert list(AuditEntry.objects.filter(tenant=tenant).values_list("seq", flat=True)) == list(
        range(1, total + 1)
    )
    assert AuditChainHead.objects.get(tenant=tenant).last_seq == total
    assert reports and all(r.ok for r in reports)
    hashes = list(AuditEntry.objects.filter(tenant=tenant).values_list("prev_hash", "hash"))
    assert len({prev for prev, _ in hashes}) == total  # no two entries share a parent
