"""Who is emailed about an unlock request's events, and what the email says: written at
the change, in its transaction, and kept on the outbox row."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Membership
from accounts.tests.factories import admin_of
from audit.actors import Actor
from audit.models import AuditAction, AuditEntry
from core.refusals import Refusal
from notifications import services as outbox
from notifications import tasks
from notifications.models import MessageKind, MessageStatus, OutboxMessage, WebhookEndpoint
from unlocks import services
from unlocks.models import Invoice, Payment, UnlockRequest
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for, verify

pytestmark = pytest.mark.django_db


def emails_about(request, event):
    return OutboxMessage.objects.filter(
        reference=request.pk, kind=MessageKind.EMAIL, event=event
    ).order_by("recipient")


def test_opening_writes_one_approval_email_per_current_admin(tenant, pat, lee, dana):
    request = open_for(tenant, f.imported_invoice(tenant))

    rows = emails_about(request, "created")
    assert [r.recipient for r in rows] == ["lee@acme.test", "pat@acme.test"]
    assert all(r.status == MessageStatus.PENDING and r.attempts == 0 for r in rows)
    assert len({r.event_id for r in rows}) == 1


def test_an_admin_demoted_before_opening_gets_nothing(tenant, pat, lee):
    Membership.objects.filter(user=lee).update(role="member")

    request = open_for(tenant, f.imported_invoice(tenant))

    assert [r.recipient for r in OutboxMessage.objects.filter(reference=request.pk)] == [
        "pat@acme.test"
    ]


def test_the_approval_email_is_written_at_the_change_with_the_link(tenant, pat):
    invoice = f.imported_invoice(tenant)

    request = open_for(tenant, invoice)

    # Before any try: the row holds the whole email.
    [row] = emails_about(request, "created")
    assert row.attempts == 0
    assert row.subject == "Acme: approve the unlock of 1 record, $0.00"
    assert row.body.startswith("Hello Pat,")
    assert "/approve/" in row.body and invoice.number in row.body
    assert 'href="http://' in row.html and invoice.number in row.html
    assert "Hello Pat," in row.html


def test_the_email_sent_is_the_one_written_on_the_row(tenant, pat, mailoutbox):
    request = open_for(tenant, f.imported_invoice(tenant))
    [row] = emails_about(request, "created")

    assert outbox.deliver_message(row.pk) == MessageStatus.DELIVERED

    [mail] = mailoutbox
    assert (mail.subject, mail.body, mail.to) == (row.subject, row.body, ["pat@acme.test"])
    assert mail.alternatives[0] == (row.html, "text/html")


def test_names_are_not_html_escaped_in_plain_text(pat):
    tenant = pat.memberships.get().tenant
    tenant.name = "Acme Heating & Air"
    tenant.save()

    open_for(tenant, f.imported_invoice(tenant))

    row = OutboxMessage.objects.get()
    assert row.subject.startswith("Acme Heating & Air:")
    assert "records of Acme Heating & Air:" in row.body
    assert "Acme Heating &amp; Air" in row.html


def test_rows_are_written_in_the_transaction_of_the_change(tenant, pat):
    invoice = f.imported_invoice(tenant)

    with pytest.raises(RuntimeError), transaction.atomic():
        open_for(tenant, invoice)
        raise RuntimeError("the change is rolled back")

    assert not OutboxMessage.objects.exists()


def test_a_refused_opening_writes_nothing(tenant, pat):
    with pytest.raises(Refusal):
        open_for(tenant, f.exported_batch(tenant))

    assert not OutboxMessage.objects.exists()


def test_rows_are_enqueued_only_after_commit(tenant, pat, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        open_for(tenant, f.imported_invoice(tenant))

    # One hand-over of the email, waiting for the commit (the metrics' count waits too).
    assert len([c for c in callbacks if getattr(c, "func", None) is outbox.enqueue]) == 1
    assert OutboxMessage.objects.get().attempts == 0


def test_completion_writes_the_receipt_to_the_approver_only(tenant, pat, lee):
    request = open_for(tenant, f.bypassed_batch(tenant, invoices=2))

    verify(request, lee)

    [row] = emails_about(request, "completed")
    assert row.recipient == "lee@acme.test"
    assert row.subject == "Acme: receipt for the unlock you approved"
    assert row.body.startswith("Hello Lee,")
    request.refresh_from_db()
    assert str(request.pk) in row.body
    assert request.consent_sha256 in row.body and request.consent_sha256 in row.html
    assert "Audit entry: #" in row.body


def test_the_receipt_names_the_audit_entry_of_the_approval(tenant, pat):
    request = open_for(tenant, f.imported_invoice(tenant))
    verify(request, pat)

    entry = AuditEntry.objects.get(request_id=request.pk, action=AuditAction.REQUEST_APPROVED)
    [row] = emails_about(request, "completed")
    assert f"Audit entry: #{entry.seq}, hash {entry.hash}" in row.body


def test_a_pin_lock_out_tells_every_admin(tenant, pat, lee, settings):
    settings.PIN_MAX_FAILURES = 2
    request = open_for(tenant, f.imported_invoice(tenant))

    for _ in range(2):
        with pytest.raises(Refusal):
            verify(request, pat, pin="000000")

    rows = emails_about(request, "pin_locked")
    assert [r.recipient for r in rows] == ["lee@acme.test", "pat@acme.test"]
    assert all("locked until" in r.body for r in rows)


@pytest.mark.parametrize("event", ["refused", "cancelled", "expired"])
def test_other_events_email_nobody(tenant, pat, event):
    invoice = f.imported_invoice(tenant)
    request = open_for(tenant, invoice)

    if event == "refused":
        Invoice.objects.filter(pk=invoice.pk).update(state="exported")
        with pytest.raises(Refusal):
            verify(request, pat)
    elif event == "cancelled":
        services.cancel_request(request_id=request.pk, reason="Not needed", actor=Actor.system())
    else:
        UnlockRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now())
        services.expire_requests()

    request.refresh_from_db()
    assert request.status == event

    assert OutboxMessage.objects.filter(reference=request.pk, event=event).count() == 0


def test_more_admins_and_endpoints_cost_no_more_queries(tenant, pat):
    WebhookEndpoint.objects.create(name="one", url="https://a.example/h")
    open_for(tenant, f.imported_invoice(tenant))  # the tenant's first audit entry costs more

    with CaptureQueriesContext(connection) as few:
        open_for(tenant, f.imported_invoice(tenant))
    admin_of(tenant)
    admin_of(tenant)
    WebhookEndpoint.objects.create(name="two", url="https://b.example/h")
    with CaptureQueriesContext(connection) as many:
        open_for(tenant, f.imported_invoice(tenant))

    assert len(many) == len(few)
    assert OutboxMessage.objects.filter(kind="email").count() == 1 + 1 + 3


def test_the_receipt_lists_a_batchs_transactions_escaped_in_html(tenant, pat, lee):
    batch = f.bypassed_batch(tenant, invoices=2, payments=1)
    first = Invoice.objects.filter(batch=batch).order_by("pk").first()
    Invoice.objects.filter(pk=first.pk).update(number="INV-<1&2>")
    numbers = sorted(Invoice.objects.filter(batch=batch).values_list("number", flat=True))
    [payment] = Payment.objects.filter(batch=batch).values_list("number", flat=True)

    verify(open_for(tenant, batch), lee)

    row = OutboxMessage.objects.get(event="completed")
    listed = ", ".join([*numbers, payment])
    assert f"with {listed}" in row.body
    assert f"with {escape(listed)}" in row.html and "<1&2>" not in row.html


def test_a_retry_sends_the_bytes_of_the_first_try(tenant, pat, mailoutbox, monkeypatch):
    request = open_for(tenant, f.imported_invoice(tenant))
    [row] = emails_about(request, "created")

    def mail_server_down(self, fail_silently=False):
        raise ConnectionRefusedError("the mail server is down")

    with monkeypatch.context() as patched:
        patched.setattr("django.core.mail.EmailMultiAlternatives.send", mail_server_down)
        assert outbox.deliver_message(row.pk) == MessageStatus.PENDING
    # What the email would say now differs; what was written at the change is sent.
    tenant.name = "Renamed Ltd"
    tenant.save()
    pat.email, pat.full_name = "pat.new@acme.test", "Patricia New"
    pat.save()
    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=row.created_at)

    assert outbox.deliver_message(row.pk) == MessageStatus.DELIVERED
    [mail] = mailoutbox
    assert (mail.subject, mail.body, mail.to) == (row.subject, row.body, ["pat@acme.test"])
    assert mail.alternatives[0] == (row.html, "text/html")
    assert "Renamed" not in mail.body and "Hello Pat," in mail.body


def test_an_email_that_cannot_be_written_fails_the_change_not_the_worker(tenant, pat, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a template is missing")

    monkeypatch.setattr("unlocks.emails.render_to_string", broken)

    with pytest.raises(ValueError, match="a template is missing"):
        open_for(tenant, f.imported_invoice(tenant))

    assert not UnlockRequest.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_a_broker_that_is_down_fails_no_opening_and_loses_no_email(
    tenant, pat, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("redis is down")

    with monkeypatch.context() as patched:
        patched.setattr(outbox, "hand_over", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            request = open_for(tenant, f.imported_invoice(tenant))

    assert UnlockRequest.objects.filter(pk=request.pk).exists()
    assert mailoutbox == []
    # The broker is back: the sweep sends what was never enqueued.
    assert tasks.dispatch_due_messages() == 1
    [mail] = mailoutbox
    assert mail.to == ["pat@acme.test"] and "/approve/" in mail.body
