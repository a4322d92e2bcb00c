"""On PostgreSQL a long chain is checked in stretches, each on a connection of its own at
once; joined, they must answer exactly as one pass in order does, whatever was altered,
removed or cut off, at a stretch's edge or inside it."""

import threading
from unittest import mock

import pytest
from django.db import connection, transaction

from accounts.tests.factories import TenantFactory
from audit import selectors
from audit.chain import HASHED_FIELDS, entry_hash
from audit.models import AuditEntry
from audit.selectors import verify_chain
from audit.tests.test_chain import write

# Committed data: the stretches' own connections must see it.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Nine entries in three stretches: 1-3, 4-6, 7-9.
ENTRIES, STRETCHES = 9, 3


@pytest.fixture
def stretched(settings):
    settings.AUDIT_VERIFY_CONNECTIONS = STRETCHES
    settings.AUDIT_VERIFY_STRETCH_MIN = 1
    return settings


@pytest.fixture
def chain(stretched):
    tenant = TenantFactory(slug="stretched")
    return tenant, write(tenant, ENTRIES)


def tamper(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")


def both_ways(tenant, settings):
    """(the report checked in stretches, the report of one pass), with the stretches
    counted, so that a test cannot pass by never taking the stretched path."""
    with mock.patch.object(selectors, "verify_stretch", wraps=selectors.verify_stretch) as spy:
        stretched = verify_chain(tenant=tenant)
    assert spy.call_count == STRETCHES
    settings.AUDIT_VERIFY_CONNECTIONS = 1
    one_pass = verify_chain(tenant=tenant)
    settings.AUDIT_VERIFY_CONNECTIONS = STRETCHES
    return stretched, one_pass


def test_a_sound_chain_is_checked_in_stretches_on_their_own_connections(chain, stretched):
    tenant, _ = chain
    seen = []
    real = selectors._prepared_rows

    def spy(*args, **kwargs):
        connection.ensure_connection()
        seen.append((threading.current_thread().name, connection.connection.info.backend_pid))
        yield from real(*args, **kwargs)

    with mock.patch.object(selectors, "_prepared_rows", spy):
        report = verify_chain(tenant=tenant)
    assert (report.ok, report.entries, report.first_bad_seq) == (True, ENTRIES, None)
    assert [name for name, _ in seen] == ["verify_chain"] * STRETCHES
    assert len({conn for _, conn in seen}) == STRETCHES
    # Each thread closed its connection when done.
    assert not [t for t in threading.enumerate() if t.name in {"verify_chain", "prefetched_rows"}]


@pytest.mark.parametrize("seq", [1, 3, 4, 6, 7, 9])
def test_an_altered_entry_is_named_the_same_at_any_edge(chain, stretched, seq):
    tenant, entries = chain
    tamper(
        "UPDATE audit_auditentry SET actor_label = 'forger' WHERE id = %s", [entries[seq - 1].pk]
    )
    stretched_report, one_pass = both_ways(tenant, stretched)
    assert stretched_report == one_pass
    assert (stretched_report.first_bad_seq, stretched_report.entries) == (seq, seq)


@pytest.mark.parametrize(
    ("first", "last", "named"),
    [(3, 3, 3), (4, 4, 4), (7, 7, 7), (4, 6, 4), (3, 4, 3), (6, 9, 6), (9, 9, 9), (1, 1, 1)],
)
def test_removed_entries_are_named_the_same_in_stretches(chain, stretched, first, last, named):
    tenant, _ = chain
    tamper(
        "DELETE FROM audit_auditentry WHERE tenant_id = %s AND seq BETWEEN %s AND %s",
        [tenant.pk, first, last],
    )
    stretched_report, one_pass = both_ways(tenant, stretched)
    assert stretched_report == one_pass
    assert stretched_report.first_bad_seq == named


@pytest.mark.parametrize("seq", [3, 6])
def test_a_rewrite_with_a_recomputed_hash_breaks_the_link_into_the_next_stretch(
    chain, stretched, seq
):
    tenant, entries = chain
    entry = AuditEntry.objects.get(pk=entries[seq - 1].pk)
    values = {f: getattr(entry, f) for f in HASHED_FIELDS}
    values["actor_label"] = "forger"
    forged = entry_hash(values, entry.prev_hash)
    tamper(
        "UPDATE audit_auditentry SET actor_label = 'forger', hash = %s WHERE id = %s",
        [forged, entry.pk],
    )
    stretched_report, one_pass = both_ways(tenant, stretched)
    assert stretched_report == one_pass
    # The forged entry fits itself; the first entry of the next stretch no longer links.
    assert stretched_report.first_bad_seq == seq + 1


def test_inside_a_transaction_the_chain_is_checked_in_one_pass(chain, stretched):
    tenant, _ = chain
    with (
        mock.patch.object(selectors, "verify_stretch", wraps=selectors.verify_stretch) as spy,
        transaction.atomic(),
    ):
        # Other connections would not see what this transaction has written.
        write(tenant, 1)
        report = verify_chain(tenant=tenant)
    assert spy.call_count == 1
    assert (report.ok, report.entries) == (True, ENTRIES + 1)


def test_a_short_chain_is_checked_in_one_pass(settings):
    settings.AUDIT_VERIFY_CONNECTIONS = 2
    settings.AUDIT_VERIFY_STRETCH_MIN = 5
    tenant = TenantFactory()
    write(tenant, 9)
    with mock.patch.object(selectors, "verify_stretch", wraps=selectors.verify_stretch) as spy:
        report = verify_chain(tenant=tenant)
    assert spy.call_count == 1 and report.ok


def test_a_stretch_that_fails_to_read_fails_the_check(chain, stretched):
    tenant, _ = chain
    real = selectors._prepared_rows

    def second_fails(tenant_id, head_sql, *, first_seq=1, last_seq=None):
        if first_seq == 4:
            raise RuntimeError("the database went away")
        yield from real(tenant_id, head_sql, first_seq=first_seq, last_seq=last_seq)

    with (
        mock.patch.object(selectors, "_prepared_rows", second_fails),
        pytest.raises(RuntimeError, match="went away"),
    ):
        verify_chain(tenant=tenant)
    assert not [t for t in threading.enumerate() if t.name in {"verify_chain", "prefetched_rows"}]
