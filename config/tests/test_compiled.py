"""Compiled reads and updates answer what the ORM would, with the values of each call."""

import datetime
import uuid

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Tenant
from accounts.tests.factories import TenantFactory, admin_of
from config import compiled
from unlocks.models import UnlockRequest
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for

pytestmark = pytest.mark.django_db

FIELDS = compiled.attnames(Tenant)
BY_SLUG = compiled.CompiledRead(
    lambda slug: Tenant.objects.filter(slug=slug).values_list(*FIELDS),
    slug=compiled.text_stand_in(),
)


def test_it_answers_what_the_orm_answers_for_each_value():
    locked = timezone.now() + datetime.timedelta(minutes=15)
    acme = TenantFactory(slug="acme", pin_failure_times=["2026-11-25T09:00:00+00:00"])
    Tenant.objects.filter(pk=acme.pk).update(pin_locked_until=locked)
    TenantFactory(slug="birch")

    for slug in ("acme", "birch"):
        expected = list(Tenant.objects.filter(slug=slug).values_list(*FIELDS))
        assert BY_SLUG.rows(slug=slug) == expected
    [row] = BY_SLUG.rows(slug="acme")
    tenant = compiled.instance(Tenant, FIELDS, row)
    # Converted as the ORM converts: JSON to lists, times to aware datetimes (on SQLite too).
    assert tenant.pin_failure_times == ["2026-11-25T09:00:00+00:00"]
    assert tenant.pin_locked_until == locked
    assert BY_SLUG.rows(slug="nobody") == []


def test_it_runs_one_query_per_call():
    TenantFactory(slug="acme")
    BY_SLUG.rows(slug="acme")
    with CaptureQueriesContext(connection) as queries:
        BY_SLUG.rows(slug="acme")
    assert len(queries) == 1


def test_a_value_is_a_parameter_never_sql():
    TenantFactory(slug="acme")
    assert BY_SLUG.rows(slug="acme' OR '1'='1") == []


def test_a_stand_in_the_sql_does_not_use_is_refused():
    unused = compiled.CompiledRead(
        lambda slug, name: Tenant.objects.filter(slug=slug).values_list("pk"),
        slug=compiled.text_stand_in(),
        name=compiled.text_stand_in(),
    )
    with pytest.raises(
        AssertionError, match="each stand-in must appear in the SQL as given; missing: \\['name'\\]"
    ):
        unused.rows(slug="acme", name="Acme")


def test_a_lookup_that_rewrites_its_value_is_refused_not_kept():
    # contains wraps and escapes its value while compiling (iexact does on SQLite): SQL kept
    # with the rewritten stand-in would bind each call's value raw, % and _ as wildcards.
    TenantFactory(slug="acme")
    rewritten = compiled.CompiledRead(
        lambda slug: Tenant.objects.filter(slug__contains=slug).values_list("pk"),
        slug=compiled.text_stand_in(),
    )
    with pytest.raises(AssertionError, match="cannot be compiled once"):
        rewritten.rows(slug="%")


def test_a_stand_in_used_twice_takes_the_value_in_both_places():
    TenantFactory(slug="acme", name="Acme")
    TenantFactory(slug="birch", name="acme")
    either = compiled.CompiledRead(
        lambda text: (
            Tenant.objects.filter(Q(slug=text) | Q(name=text)).order_by("slug").values_list("slug")
        ),
        text=compiled.text_stand_in(),
    )

    assert either.rows(text="acme") == [("acme",), ("birch",)]


def test_an_update_changes_the_rows_its_values_name():
    acme, birch = TenantFactory(slug="acme"), TenantFactory(slug="birch")
    rename = compiled.CompiledUpdate(
        lambda pk, name: (Tenant.objects.filter(pk=pk), {"name": name}),
        pk=compiled.number_stand_in(),
        name=compiled.text_stand_in(),
    )

    assert rename.run(pk=acme.pk, name="Acme Heating") == 1
    assert rename.run(pk=-1, name="Nobody") == 0

    assert Tenant.objects.get(pk=acme.pk).name == "Acme Heating"
    assert Tenant.objects.get(pk=birch.pk).name == birch.name


def test_percent_placeholders_become_numbered_parameters():
    assert compiled._numbered("a = %s AND b LIKE 'x%%' AND c IN (%s, %s)") == (
        "a = $1 AND b LIKE 'x%' AND c IN ($2, $3)"
    )


def _fresh_read():
    """A read of its own, so that no other test has prepared it on this connection."""
    return compiled.CompiledRead(
        lambda slug: Tenant.objects.filter(slug=slug).values_list("slug", "name"),
        slug=compiled.text_stand_in(),
    )


def _prepared_names():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.postgres
def test_on_postgresql_each_call_executes_a_statement_prepared_once_per_connection():
    TenantFactory(slug="acme", name="Acme")
    read = _fresh_read()
    assert read._name not in _prepared_names()

    with CaptureQueriesContext(connection) as queries:
        assert read.rows(slug="acme") == [("acme", "Acme")]
        assert read.rows(slug="birch") == []
    # The PREPARE is not one of the counted queries: each call is one statement.
    assert [q["sql"] for q in queries] == [
        f"EXECUTE {read._name} ('acme')",
        f"EXECUTE {read._name} ('birch')",
    ]
    assert read._name in _prepared_names()


@pytest.mark.postgres
def test_a_statement_prepared_in_a_transaction_that_failed_is_still_there():
    from django.db import transaction

    TenantFactory(slug="acme", name="Acme")
    read = _fresh_read()
    with pytest.raises(RuntimeError), transaction.atomic():
        read.rows(slug="acme")
        raise RuntimeError("the change fails after the read")
    assert read.rows(slug="acme") == [("acme", "Acme")]


@pytest.mark.postgres
def test_a_new_connection_prepares_the_statement_again():
    TenantFactory(slug="acme", name="Acme")
    read = _fresh_read()
    read.rows(slug="acme")
    raw = connection.connection
    # What a dropped connection does: the server's session, and its statements, are gone.
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    connection._prepared_statements = (object(), set())  # as if another connection's
    assert read.rows(slug="acme") == [("acme", "Acme")]
    assert connection.connection is raw


@pytest.mark.postgres
def test_prepared_statements_can_be_turned_off(settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    TenantFactory(slug="acme", name="Acme")
    read = _fresh_read()
    with CaptureQueriesContext(connection) as queries:
        assert read.rows(slug="acme") == [("acme", "Acme")]
    assert queries[0]["sql"].startswith("SELECT")
    assert read._name not in _prepared_names()


def test_a_uuid_stand_in_takes_each_calls_uuid_on_either_database():
    tenant = TenantFactory(slug="acme")
    admin_of(tenant)
    request = open_for(tenant, f.imported_invoice(tenant))
    by_id = compiled.CompiledRead(
        lambda pk: UnlockRequest.objects.filter(pk=pk).values_list("pk", "status"),
        pk=compiled.uuid_stand_in(),
    )

    assert by_id.rows(pk=request.pk) == [(request.pk, "pending")]
    assert by_id.rows(pk=uuid.uuid4()) == []
    # A stand-in is never a version-4 uuid, so no generated id can equal one.
    assert compiled.uuid_stand_in().version is None
