"""When a window ends, what happened to each record in the customer's books: re-exported
or not, and there once, twice (a suspected duplicate) or not at all, from the change feed
since the approval; on the request, its audit entry, the re-lock email and the receipt."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditAction, AuditEntry
from notifications.models import OutboxMessage
from unlocks import platform, services
from unlocks.models import Invoice, UnlockRequest
from unlocks.tests.conftest import open_for, verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(books, tenant, pat, books_company, connect_books):
    connect_books(tenant)
    request = open_for(tenant, targets=[{"type": "batch", "number": "B-1001"}])
    verify(request, pat, found_in_quickbooks_acknowledged=True)
    return UnlockRequest.objects.get(pk=request.pk)


def _statement(request):
    return {(r["type"], r["number"]): r for r in request.window_outcome["books"]["records"]}


def test_relocking_early_says_what_was_re_exported_and_keyed_in_twice(
    approved, books_company, agent
):
    # In the window: INV-1001 went out again by export and someone keyed it in by hand too.
    platform.export_batch(batch=Invoice.objects.get(number="INV-1001").batch)
    books_company.add_invoice("INV-1001", "410.00", "Jones Residence", "2026-11-03")
    books_company.add_invoice("INV-1001", "410.00", "Jones Residence", "2026-11-03")
    from audit.actors import Actor

    services.relock_request(request_id=approved.pk, reason="Done", actor=Actor.for_user(agent))
    request = UnlockRequest.objects.get(pk=approved.pk)
    said = _statement(request)
    assert said[("invoice", "INV-1001")] == {
        "type": "invoice",
        "number": "INV-1001",
        "re_exported": True,
        "in_quickbooks": 2,
    }
    assert said[("invoice", "INV-1002")]["in_quickbooks"] == 0
    assert said[("payment", "PAY-1001")]["re_exported"] is True
    entry = AuditEntry.objects.get(action=AuditAction.REQUEST_RELOCKED)
    assert entry.data["quickbooks"]["status"] == "checked"
    emails = OutboxMessage.objects.filter(reference=request.pk, event="relocked")
    said_in_email = "Invoice INV-1001: re-exported in the window; in QuickBooks twice or more"
    assert emails and all(said_in_email in e.body for e in emails)


def test_the_window_ending_by_itself_asks_the_books_first(approved, books_company):
    books_company.next_failures = ["timeout"]
    services.end_windows(now=timezone.now() + timedelta(days=30))
    request = UnlockRequest.objects.get(pk=approved.pk)
    statement = request.window_outcome["books"]
    assert statement["status"] == "unavailable" and "did not answer" in statement["reason"]
    assert all(r["in_quickbooks"] is None for r in statement["records"])
    assert request.relocked_at is not None


def test_without_books_the_window_says_nothing_of_them(books, tenant, pat, agent):
    request = open_for(tenant, targets=[{"type": "batch", "number": "B-1001"}])
    verify(request, pat)
    from audit.actors import Actor

    services.relock_request(request_id=request.pk, reason="Done", actor=Actor.for_user(agent))
    assert "books" not in UnlockRequest.objects.get(pk=request.pk).window_outcome
