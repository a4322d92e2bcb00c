"""Queueing: the rows are written in the caller's transaction and handed to Celery only
once it commits."""

import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import TenantFactory
from notifications import selectors, services
from notifications.models import MessageKind, MessageStatus, OutboxMessage, WebhookEndpoint
from notifications.services import Email
from notifications.tests.conftest import queue_calls, queue_emails

pytestmark = pytest.mark.django_db


def test_an_email_row_holds_the_whole_email_written_by_the_caller():
    request_id = uuid.uuid4()
    with transaction.atomic():
        [row] = services.queue_emails(
            [Email(to="pat@acme.test", subject="S", text="T", html="<p>H</p>")],
            event="created",
            event_id=(event_id := uuid.uuid4()),
            reference=request_id,
        )

    row = OutboxMessage.objects.get(pk=row.pk)
    assert (row.kind, row.recipient, row.subject, row.body, row.html) == (
        MessageKind.EMAIL,
        "pat@acme.test",
        "S",
        "T",
        "<p>H</p>",
    )
    assert (row.event, row.event_id, row.reference) == ("created", event_id, request_id)
    assert (row.status, row.attempts) == (MessageStatus.PENDING, 0)


def test_the_emails_of_an_event_share_its_id_and_cost_one_insert():
    with CaptureQueriesContext(connection) as queries:
        rows = queue_emails("a@acme.test", "b@acme.test", "c@acme.test")

    assert len({row.event_id for row in rows}) == 1
    assert len([q for q in queries if q["sql"].startswith("INSERT")]) == 1


def test_a_webhook_row_per_endpoint_carries_the_callers_body(receiver):
    one = WebhookEndpoint.objects.create(name="one", url="https://a.example/h")
    two = WebhookEndpoint.objects.create(name="two", url="https://b.example/h")

    rows = queue_calls(one, two, body='{"a":1}')

    assert [(r.kind, r.endpoint, r.recipient, r.body) for r in rows] == [
        (MessageKind.WEBHOOK, one, "https://a.example/h", '{"a":1}'),
        (MessageKind.WEBHOOK, two, "https://b.example/h", '{"a":1}'),
    ]


def test_the_rows_go_with_a_change_that_is_rolled_back():
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_emails("pat@acme.test")
        raise RuntimeError("the change is rolled back")

    assert not OutboxMessage.objects.exists()


def test_the_rows_are_handed_over_only_once_the_change_commits(
    django_capture_on_commit_callbacks, monkeypatch
):
    handed = []
    monkeypatch.setattr(services, "enqueue", handed.append)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        emails = queue_emails("pat@acme.test", "lee@acme.test")
        assert handed == []

    assert len(callbacks) == 1
    assert handed == [[(row.pk, "email") for row in emails]]


def test_nothing_to_send_writes_nothing_and_hands_nothing_over(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.queue_emails([], event="created", event_id=uuid.uuid4()) == []
        assert (
            services.queue_webhook(endpoints=[], event="created", event_id=uuid.uuid4(), body="{}")
            == []
        )

    assert callbacks == []
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_hands_its_rows_to_celery_after_the_commit(monkeypatch):
    seen = []

    def enqueue(messages):
        seen.append((list(messages), connection.in_atomic_block))

    monkeypatch.setattr(services, "enqueue", enqueue)

    rows = queue_emails("pat@acme.test")

    assert seen == [([(rows[0].pk, "email")], False)]


def test_endpoints_are_those_active_that_want_the_event_of_this_tenant():
    tenant, other = TenantFactory(), TenantFactory()
    every = WebhookEndpoint.objects.create(name="every", url="https://a.example/h")
    WebhookEndpoint.objects.create(name="off", url="https://b.example/h", active=False)
    WebhookEndpoint.objects.create(name="done", url="https://c.example/h", events=["completed"])
    WebhookEndpoint.objects.create(name="other", url="https://d.example/h", tenant=other)
    mine = WebhookEndpoint.objects.create(name="mine", url="https://e.example/h", tenant=tenant)

    assert selectors.endpoints_for(event="created", tenant_id=tenant.pk) == [every, mine]
    assert selectors.endpoints_for(event="pin_locked", tenant_id=tenant.pk) == []


def test_endpoints_are_read_in_one_query_however_many(django_assert_num_queries):
    for n in range(5):
        WebhookEndpoint.objects.create(name=f"e{n}", url=f"https://{n}.example/h")

    with django_assert_num_queries(1):
        assert len(selectors.endpoints_for(event="created", tenant_id=None)) == 5
