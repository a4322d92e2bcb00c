"""audit_verify names the exact entry that was altered or removed behind the trigger's back."""

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, transaction

from accounts.tests.factories import TenantFactory
from audit.chain import HASHED_FIELDS, entry_hash
from audit.models import AuditEntry
from audit.selectors import verify_chain
from audit.tests.test_chain import _tamper, write


@pytest.fixture
def chain(db):
    tenant = TenantFactory(slug="tampered")
    return tenant, write(tenant, 6)


def first_bad(tenant):
    report = verify_chain(tenant=tenant)
    assert report.ok is (report.first_bad_seq is None)
    return report.first_bad_seq


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "request_approved"),
        ("actor_label", "someone-else@example.test"),
        ("at", "2020-01-01T00:00:00+00:00"),
        ("state_after", "open"),
        ("ip", "10.9.9.9"),
        ("prev_hash", "0" * 64),
        ("hash", "f" * 64),
    ],
)
def test_it_names_the_entry_whose_column_was_altered(chain, column, value):
    tenant, entries = chain
    _tamper(f"UPDATE audit_auditentry SET {column} = %s WHERE id = %s", [value, entries[3].pk])
    assert first_bad(tenant) == 4


@pytest.mark.parametrize("index", [0, 2, 4])
def test_it_names_the_first_entry_removed_from_the_middle(chain, index):
    tenant, entries = chain
    _tamper("DELETE FROM audit_auditentry WHERE id = %s", [entries[index].pk])
    assert first_bad(tenant) == index + 1


def test_it_names_the_last_entry_when_it_was_removed(chain):
    tenant, entries = chain
    _tamper("DELETE FROM audit_auditentry WHERE id = %s", [entries[-1].pk])
    assert first_bad(tenant) == 6


def test_it_names_the_first_of_several_entries_cut_off_the_end(chain):
    tenant, _ = chain
    _tamper("DELETE FROM audit_auditentry WHERE seq >= %s AND tenant_id = %s", [4, tenant.pk])
    assert first_bad(tenant) == 4


def test_it_names_the_last_entry_rewritten_with_a_recomputed_hash(chain):
    tenant, entries = chain
    last = AuditEntry.objects.get(pk=entries[-1].pk)
    values = {f: getattr(last, f) for f in HASHED_FIELDS}
    values["actor_label"] = "forger"
    forged = entry_hash(values, last.prev_hash)
    _tamper(
        "UPDATE audit_auditentry SET actor_label = 'forger', hash = %s WHERE id = %s",
        [forged, last.pk],
    )
    assert first_bad(tenant) == 6


def test_a_rewrite_with_a_recomputed_hash_breaks_the_next_link(chain):
    tenant, entries = chain
    entry = AuditEntry.objects.get(pk=entries[2].pk)
    values = {f: getattr(entry, f) for f in HASHED_FIELDS}
    values["actor_label"] = "forger"
    _tamper(
        "UPDATE audit_auditentry SET actor_label = 'forger', hash = %s WHERE id = %s",
        [entry_hash(values, entry.prev_hash), entry.pk],
    )
    # Entry 3 is consistent with itself now; entry 4 no longer follows it.
    assert first_bad(tenant) == 4


def test_an_untouched_chain_verifies_and_another_tenants_tampering_does_not_matter(chain):
    tenant, _ = chain
    other = TenantFactory()
    [theirs] = write(other, 1)
    _tamper("DELETE FROM audit_auditentry WHERE id = %s", [theirs.pk])
    report = verify_chain(tenant=tenant)
    assert (report.ok, report.entries, report.first_bad_seq) == (True, 6, None)
    assert first_bad(other) == 1


def test_the_command_names_a_removed_last_entry(chain, capsys):
    _, entries = chain
    _tamper("DELETE FROM audit_auditentry WHERE id = %s", [entries[-1].pk])
    with pytest.raises(SystemExit):
        call_command("audit_verify", tenant="tampered")
    assert "BROKEN at entry #6" in capsys.readouterr().err


@pytest.fixture
def nine(db):
    tenant = TenantFactory(slug="nine")
    return tenant, write(tenant, 9)


@pytest.mark.parametrize("seq", [1, 3, 4, 6, 7, 9])
def test_an_altered_entry_is_named_wherever_it_is(nine, seq):
    tenant, entries = nine
    _tamper(
        "UPDATE audit_auditentry SET actor_label = 'forger' WHERE id = %s", [entries[seq - 1].pk]
    )
    report = verify_chain(tenant=tenant)
    assert (report.ok, report.first_bad_seq, report.entries) == (False, seq, seq)


@pytest.mark.parametrize(
    ("first", "last", "named"),
    [(3, 3, 3), (4, 4, 4), (7, 7, 7), (4, 6, 4), (3, 4, 3), (6, 9, 6), (9, 9, 9), (1, 1, 1)],
)
def test_removed_entries_are_named_by_the_first_of_them(nine, first, last, named):
    tenant, _ = nine
    _tamper(
        "DELETE FROM audit_auditentry WHERE tenant_id = %s AND seq BETWEEN %s AND %s",
        [tenant.pk, first, last],
    )
    assert first_bad(tenant) == named


@pytest.mark.parametrize("seq", [1, 3, 6])
def test_a_rewrite_with_a_recomputed_hash_is_named_by_the_entry_after_it(nine, seq):
    tenant, entries = nine
    entry = AuditEntry.objects.get(pk=entries[seq - 1].pk)
    values = {f: getattr(entry, f) for f in HASHED_FIELDS}
    values["actor_label"] = "forger"
    _tamper(
        "UPDATE audit_auditentry SET actor_label = 'forger', hash = %s WHERE id = %s",
        [entry_hash(values, entry.prev_hash), entry.pk],
    )
    assert first_bad(tenant) == seq + 1


def test_inside_a_transaction_it_checks_what_the_transaction_wrote(nine):
    tenant, _ = nine
    with transaction.atomic():
        write(tenant, 1)
        report = verify_chain(tenant=tenant)
    assert (report.ok, report.entries) == (True, 10)


def test_a_read_that_fails_fails_the_check(nine):
    tenant, _ = nine

    def entries_fail(execute, sql, params, many, context):
        if 'FROM "audit_auditentry"' in sql:
            raise OperationalError("the database went away")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(entries_fail), pytest.raises(OperationalError):
        verify_chain(tenant=tenant)


@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_outside_a_transaction_a_walk_that_stops_early_closes_its_reading():
    tenant = TenantFactory()
    entries = write(tenant, 5)
    _tamper("UPDATE audit_auditentry SET actor_label = 'x' WHERE id = %s", [entries[1].pk])
    assert first_bad(tenant) == 2
    assert not connection.in_atomic_block
