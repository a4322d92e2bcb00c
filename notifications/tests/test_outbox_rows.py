import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from accounts.models import Membership
from accounts.tests.factories import TenantFactory, admin_of
from notifications import services
from notifications.models import MessageKind, MessageStatus, OutboxMessage, WebhookEndpoint
from unlocks.models import Invoice, Payment
from unlocks.refusals import Refusal
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for, verify

pytestmark = pytest.mark.django_db


def sent(row):
    """The row once the worker has sent it: an email's text is written on its first try."""
    assert services.deliver_message(row.pk) == MessageStatus.DELIVERED
    row.refresh_from_db()
    return row


def test_opening_writes_one_approval_email_per_current_admin(tenant, pat, lee, dana):
    request = open_for(tenant, f.imported_invoice(tenant))

    rows = OutboxMessage.objects.filter(request=request, event="created").order_by("recipient")
    assert [(r.kind, r.recipient) for r in rows] == [
        (MessageKind.EMAIL, "lee@acme.test"),
        (MessageKind.EMAIL, "pat@acme.test"),
    ]
    assert all(r.status == MessageStatus.PENDING and r.attempts == 0 for r in rows)
    assert len({r.event_id for r in rows}) == 1


def test_an_admin_demoted_before_opening_gets_nothing(tenant, pat, lee):
    Membership.objects.filter(user=lee).update(role="member")

    request = open_for(tenant, f.imported_invoice(tenant))

    assert list(
        OutboxMessage.objects.filter(request=request).values_list("recipient", flat=True)
    ) == ["pat@acme.test"]


def test_the_approval_email_carries_the_link_in_text_and_html(tenant, pat):
    invoice = f.imported_invoice(tenant)
    request = open_for(tenant, invoice)

    row = sent(OutboxMessage.objects.get(request=request))
    assert "/approve/" in row.body and invoice.number in row.body
    assert 'href="http://' in row.html and invoice.number in row.html
    assert row.subject == "Acme: approve the unlock of 1 record"


def test_names_are_not_html_escaped_in_plain_text(pat):
    tenant = pat.memberships.get().tenant
    tenant.name = "Acme Heating & Air"
    tenant.save()

    open_for(tenant, f.imported_invoice(tenant))

    row = sent(OutboxMessage.objects.get())
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

    assert len(callbacks) == 1
    assert OutboxMessage.objects.get().attempts == 0


def test_completion_writes_the_receipt_to_the_approver_only(tenant, pat, lee):
    request = open_for(tenant, f.bypassed_batch(tenant, invoices=2))

    verify(request, lee)

    row = sent(OutboxMessage.objects.get(request=request, event="completed"))
    assert row.recipient == "lee@acme.test"
    request.refresh_from_db()
    assert str(request.pk) in row.body
    assert request.consent_sha256 in row.body and request.consent_sha256 in row.html
    assert "Audit entry: #" in row.body


def test_a_pin_lock_out_tells_every_admin(tenant, pat, lee, settings):
    settings.PIN_MAX_FAILURES = 2
    request = open_for(tenant, f.imported_invoice(tenant))

    for _ in range(2):
        with pytest.raises(Refusal):
            verify(request, pat, pin="000000")

    rows = OutboxMessage.objects.filter(event="pin_locked").order_by("recipient")
    assert [r.recipient for r in rows] == ["lee@acme.test", "pat@acme.test"]
    assert "locked until" in sent(rows[0]).body


def test_webhook_rows_go_to_active_endpoints_that_want_the_event(tenant, pat):
    wanted = WebhookEndpoint.objects.create(name="all", url="https://a.example/h")
    WebhookEndpoint.objects.create(name="off", url="https://b.example/h", active=False)
    WebhookEndpoint.objects.create(name="done", url="https://c.example/h", events=["completed"])

    request = open_for(tenant, f.imported_invoice(tenant))

    calls = OutboxMessage.objects.filter(request=request, kind=MessageKind.WEBHOOK)
    assert [c.endpoint for c in calls] == [wanted]


def test_an_endpoint_for_one_tenant_gets_only_that_tenants_events(tenant, pat):
    other = TenantFactory()
    WebhookEndpoint.objects.create(name="other", url="https://o.example/h", tenant=other)
    mine = WebhookEndpoint.objects.create(name="mine", url="https://m.example/h", tenant=tenant)

    open_for(tenant, f.imported_invoice(tenant))

    assert [m.endpoint for m in OutboxMessage.objects.filter(kind="webhook")] == [mine]


def test_the_webhook_body_is_the_request_in_the_api_shape(tenant, pat):
    WebhookEndpoint.objects.create(name="all", url="https://a.example/h")
    batch = f.bypassed_batch(tenant)

    request = open_for(tenant, batch)

    body = json.loads(OutboxMessage.objects.get(kind="webhook").body)
    assert body["event"] == "unlock_request.created"
    assert body["request"]["id"] == str(request.pk)
    assert body["request"]["tenant"] == "acme"
    assert body["request"]["status"] == "pending"
    assert body["request"]["targets"] == [
        {
            "type": "batch",
            "number": batch.number,
            "state": "bypassed",
            "warnings": ["duplicate_risk"],
        }
    ]
    assert body["request"]["caller"] == {
        "name": "Dana Ruiz",
        "email": "dana@acme.test",
        "is_tenant_admin": False,
    }
    assert body["request"]["approval_url"].startswith("http")
    assert body["request"]["created_at"].endswith("Z")
    assert body["request"]["approved_by"] is None


def test_a_pin_lock_out_is_not_a_webhook_event(tenant, pat, settings):
    settings.PIN_MAX_FAILURES = 1
    WebhookEndpoint.objects.create(name="all", url="https://a.example/h")
    request = open_for(tenant, f.imported_invoice(tenant))

    with pytest.raises(Refusal):
        verify(request, pat, pin="000000")

    assert not OutboxMessage.objects.filter(kind="webhook", event="pin_locked").exists()
    assert OutboxMessage.objects.filter(kind="email", event="pin_locked").exists()


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

    row = sent(OutboxMessage.objects.get(event="completed"))
    listed = ", ".join([*numbers, payment])
    assert f"with {listed}" in row.body
    assert f"with {escape(listed)}" in row.html and "<1&2>" not in row.html


def test_an_email_is_written_when_it_is_first_sent_not_in_the_change(tenant, pat, mailoutbox):
    request = open_for(tenant, f.imported_invoice(tenant))

    row = OutboxMessage.objects.get(request=request)
    assert (row.subject, row.body, row.html) == ("", "", "")

    row = sent(row)
    [mail] = mailoutbox
    assert (mail.subject, mail.body, mail.to) == (row.subject, row.body, ["pat@acme.test"])
    assert mail.alternatives[0][0] == row.html and "Hello" in row.html


def test_a_retry_sends_the_bytes_of_the_first_try(tenant, pat, mailoutbox, monkeypatch):
    request = open_for(tenant, f.imported_invoice(tenant))
    row = OutboxMessage.objects.get(request=request)

    def mail_server_down(self, fail_silently=False):
        raise ConnectionRefusedError("the mail server is down")

    with monkeypatch.context() as patched:
        patched.setattr("django.core.mail.EmailMultiAlternatives.send", mail_server_down)
        assert services.deliver_message(row.pk) == MessageStatus.PENDING
    first = OutboxMessage.objects.get(pk=row.pk)
    assert first.body and first.attempts == 1
    # What the email would say now differs; what was written on the first try is sent.
    tenant.name = "Renamed Ltd"
    tenant.save()
    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=first.created_at)

    assert services.deliver_message(row.pk) == MessageStatus.DELIVERED
    [mail] = mailoutbox
    assert mail.subject == first.subject and "Renamed" not in mail.body


def test_an_email_that_cannot_be_written_is_a_failed_try_not_a_crash(tenant, pat, monkeypatch):
    request = open_for(tenant, f.imported_invoice(tenant))
    row = OutboxMessage.objects.get(request=request)

    def broken(*args, **kwargs):
        raise ValueError("a template is missing")

    monkeypatch.setattr(services, "write_email", broken)
    assert services.deliver_message(row.pk) == MessageStatus.PENDING
    row.refresh_from_db()
    assert row.body == "" and "a template is missing" in row.last_error
    assert row.attempts == 1


def test_an_admin_gone_by_the_time_of_sending_is_greeted_by_address(tenant, pat, mailoutbox):
    request = open_for(tenant, f.imported_invoice(tenant))
    row = OutboxMessage.objects.get(request=request)
    pat.email = "pat.new@acme.test"
    pat.save()

    sent(row)
    [mail] = mailoutbox
    assert mail.to == ["pat@acme.test"] and "Hello pat@acme.test," in mail.body
