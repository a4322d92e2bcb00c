"""Asking QuickBooks through Intuit's clients, against the loopback stand-in."""

from datetime import date

import pytest

from books import lookup
from books.interface import BY_ID, BY_NUMBER, LOOK_ALIKE, Asked
from books.models import Connection

pytestmark = pytest.mark.django_db


JONES = Asked(
    type="invoice",
    number="INV-1001",
    customer="Jones Residence",
    amount_cents=41000,
    date=date(2026, 11, 3),
)


def test_a_tenant_without_a_connection_is_not_checked_and_told_how(tenant, standin):
    check = lookup.check(tenant, [JONES])
    assert check.status == "not_connected"
    assert "Settings, QuickBooks" in check.reason
    assert check.checked_at is None


def test_without_app_keys_nothing_is_asked(tenant, settings):
    settings.QUICKBOOKS_CLIENT_ID = ""
    assert "QUICKBOOKS_CLIENT_ID" in lookup.check(tenant, [JONES]).reason


def test_found_by_number_keyed_in_by_hand(tenant, standin, books_company, connect_books):
    connect_books(tenant)
    books_company.add_invoice("INV-1001", "410.00", "Jones Residence", "2026-11-03", id=145)
    check = lookup.check(tenant, [JONES])
    assert check.status == "checked" and check.checked_at is not None
    [found] = check.found_for("invoice", "INV-1001")
    assert (found.how, found.quickbooks_id, found.amount_cents) == (BY_NUMBER, "145", 41000)
    assert found.customer == "Jones Residence" and found.by_export is False
    assert found.date == date(2026, 11, 3) and found.created_at is not None


def test_found_by_the_id_our_export_recorded(tenant, standin, books_company, connect_books):
    connect_books(tenant)
    books_company.add_invoice("1001", "410.00", "Jones Residence", "2026-10-01", id=77)
    asked = Asked(**{**JONES.__dict__, "export_ids": ("77",)})
    [found] = lookup.check(tenant, [asked]).found
    assert (found.how, found.by_export) == (BY_ID, True)


def test_look_alikes_keyed_in_by_hand(tenant, standin, books_company, connect_books):
    connect_books(tenant)
    books_company.add_invoice("1001-A", "410.00", "jones residence", "2026-11-03")
    books_company.add_invoice("OTHER", "410.00", "Smith", "2026-11-03")
    books_company.add_invoice("OTHER-2", "411.00", "Jones Residence", "2026-11-03")
    [found] = lookup.check(tenant, [JONES]).found
    assert (found.how, found.number) == (LOOK_ALIKE, "1001-A")


def test_none_found_and_the_closing_date(tenant, standin, books_company, connect_books):
    connect_books(tenant)
    books_company.closing_date = "2026-10-31"
    check = lookup.check(tenant, [JONES])
    assert check.status == "checked" and check.found == []
    assert check.closing_date == date(2026, 10, 31)


def test_payments_by_reference_among_the_days_payments(
    tenant, standin, books_company, connect_books
):
    connect_books(tenant)
    books_company.add_payment("PAY-1001", "410.00", "Jones Residence", "2026-11-05")
    asked = Asked(type="payment", number="PAY-1001", customer="Jones", date=date(2026, 11, 5))
    [found] = lookup.check(tenant, [asked]).found
    assert found.how == BY_NUMBER


def test_a_constant_number_of_requests_whatever_the_records(
    tenant, standin, books_company, connect_books
):
    connect_books(tenant)
    asked = [
        Asked(
            type="invoice", number=f"INV-{n}", date=date(2026, 11, n % 28 + 1), export_ids=(str(n),)
        )
        for n in range(60)
    ] + [Asked(type="payment", number=f"PAY-{n}", date=date(2026, 11, 1)) for n in range(40)]
    lookup.check(tenant, asked)
    # Invoices by id, number and date; payments by date; the preferences.
    assert books_company.kinds_asked() == ["query"] * 5


def test_answers_are_cached(tenant, standin, books_company, connect_books):
    connect_books(tenant)
    lookup.check(tenant, [JONES])
    asked_before = len(books_company.requests)
    lookup.check(tenant, [JONES])
    assert len(books_company.requests) == asked_before


def test_an_expired_access_token_is_refreshed_once_and_kept(
    tenant, standin, books_company, connect_books
):
    connection = connect_books(tenant)
    sealed_before = connection.refresh_token_sealed
    books_company.next_failures = ["401"]
    books_company.add_invoice("INV-1001", "410.00", "Jones Residence", "2026-11-03")
    assert lookup.check(tenant, [JONES]).status == "checked"
    assert "token" in books_company.requests
    connection.refresh_from_db()
    assert connection.refresh_token_sealed != sealed_before
    assert connection.refresh_token in books_company.refresh_tokens


def test_a_revoked_grant_says_reconnect_and_asks_no_more(
    tenant, standin, books_company, connect_books
):
    connect_books(tenant)
    books_company.expire_access_tokens()
    books_company.revoked = True
    check = lookup.check(tenant, [JONES])
    assert check.status == "unavailable" and "reconnects it" in check.reason
    connection = Connection.objects.get(tenant=tenant)
    assert connection.needs_reconnect and connection.last_error == check.reason
    asked = len(books_company.requests)
    assert lookup.check(tenant, [JONES]).status == "unavailable"
    assert len(books_company.requests) == asked


@pytest.mark.parametrize(
    ("failure", "words"),
    [
        ("timeout", "did not answer within 0.5 seconds"),
        ("429", "slow down"),
        ("malformed", "could not be read"),
        ("fault", "answered with an error"),
    ],
)
def test_failures_say_why_and_the_next_check_waits(
    tenant, standin, books_company, connect_books, failure, words
):
    connect_books(tenant)
    books_company.next_failures = [failure]
    check = lookup.check(tenant, [JONES])
    assert check.status == "unavailable" and words in check.reason
    # Not asked again until QUICKBOOKS_RETRY_SECONDS have passed: one timeout, not many.
    asked = len(books_company.requests)
    assert lookup.check(tenant, [JONES]).reason == check.reason
    assert len(books_company.requests) == asked


def test_tokens_are_sealed_at_rest(tenant, standin, connect_books):
    connection = connect_books(tenant)
    row = Connection.objects.values("access_token_sealed", "refresh_token_sealed").get()
    assert connection.access_token not in row["access_token_sealed"]
    assert connection.refresh_token not in row["refresh_token_sealed"]
    assert connection.access_token and connection.refresh_token


def test_the_change_feed_adds_what_was_keyed_in_since(
    tenant, standin, books_company, connect_books
):
    from datetime import UTC, datetime, timedelta

    connect_books(tenant)
    approved = datetime.now(UTC) - timedelta(hours=1)
    books_company.add_invoice("INV-1001", "410.00", "Jones Residence", "2026-11-03")
    deleted = books_company.add_invoice("INV-1001", "410.00", "Jones Residence", "2026-11-03")
    books_company.delete(deleted)
    check = lookup.since(tenant, [JONES], approved)
    assert [f.number for f in check.found] == ["INV-1001"]
    assert "cdc" in books_company.requests


def test_a_cache_that_is_down_costs_nothing_but_the_cache(
    tenant, standin, books_company, connect_books, monkeypatch
):
    from django.core.cache import cache

    connect_books(tenant)

    def down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    books_company.add_invoice("INV-1001", "410.00", "Jones Residence", "2026-11-03")
    assert lookup.check(tenant, [JONES]).status == "checked"
