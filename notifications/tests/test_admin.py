import uuid

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from notifications import services
from notifications.models import MessageStatus, OutboxMessage, WebhookEndpoint
from notifications.tests.conftest import queue_calls, queue_emails

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(client):
    user = UserFactory(email="lead@support.test", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


@pytest.fixture
def failed_call(endpoint):
    queue_emails("pat@acme.test")
    queue_calls(endpoint)
    OutboxMessage.objects.filter(kind="webhook").update(
        status=MessageStatus.FAILED,
        failed_at=timezone.now(),
        attempts=14,
        last_error="The endpoint answered 500: boom",
    )
    return OutboxMessage.objects.get(kind="webhook")


def test_it_lists_failed_webhook_deliveries_with_their_error(client, lead, failed_call):
    response = client.get("/admin/notifications/webhookdelivery/?status__exact=failed")

    assert response.status_code == 200
    body = response.content.decode()
    assert "The endpoint answered 500: boom" in body
    assert "1 failed" in body
    assert 'id="outbox-health"' in body


def test_the_outbox_shows_the_queue_and_every_message(client, lead, failed_call):
    response = client.get("/admin/notifications/outboxmessage/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "pat@acme.test" in body
    assert "no broker (tasks run in-process)" in body


def test_a_message_page_shows_its_attempts(client, lead, endpoint, receiver):
    receiver.statuses = [500]
    [row] = queue_calls(endpoint)
    services.deliver_message(row.pk)

    response = client.get(f"/admin/notifications/outboxmessage/{row.pk}/change/")

    assert response.status_code == 200
    assert "The endpoint answered 500" in response.content.decode()


def test_a_message_page_links_to_the_request_it_is_about(client, lead):
    request_id = uuid.uuid4()
    [row] = queue_emails("pat@acme.test", reference=request_id)

    response = client.get(f"/admin/notifications/outboxmessage/{row.pk}/change/")

    assert response.status_code == 200
    assert f'<a href="/admin/unlocks/unlockrequest/{request_id}/change/">' in (
        response.content.decode()
    )


def test_the_outbox_is_searched_by_the_request_it_is_about(client, lead):
    about, other = uuid.uuid4(), uuid.uuid4()
    queue_emails("pat@acme.test", reference=about)
    queue_emails("lee@acme.test", reference=other)

    by_request = client.get("/admin/notifications/outboxmessage/", {"q": str(about)})
    by_address = client.get("/admin/notifications/outboxmessage/", {"q": "lee@acme.test"})

    assert [m.recipient for m in by_request.context["cl"].result_list] == ["pat@acme.test"]
    assert [m.recipient for m in by_address.context["cl"].result_list] == ["lee@acme.test"]


def test_retry_now_sends_a_failed_call_again(client, lead, failed_call, receiver):
    response = client.post(
        "/admin/notifications/webhookdelivery/",
        {"action": "retry_now", "_selected_action": [failed_call.pk]},
        follow=True,
    )

    assert "1 message queued to be sent again" in response.content.decode()
    failed_call.refresh_from_db()
    assert failed_call.status == MessageStatus.PENDING
    assert failed_call.failed_at is None


def test_an_endpoint_is_configured_with_url_secret_events_and_active(client, lead):
    response = client.post(
        "/admin/notifications/webhookendpoint/add/",
        {
            "name": "Zendesk",
            "url": "https://helpdesk.example/hooks/unlock",
            "secret": "shared-secret",
            "events": ["created", "completed"],
            "active": "on",
        },
    )

    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["created", "completed"]
    assert endpoint.secret == "shared-secret" and endpoint.active


def test_an_endpoint_needs_at_least_one_event_and_a_web_address(client, lead):
    response = client.post(
        "/admin/notifications/webhookendpoint/add/",
        {"name": "Bad", "url": "ftp://helpdesk.example/", "secret": "s", "events": []},
    )

    assert response.status_code == 200
    assert not WebhookEndpoint.objects.exists()
    form = response.context["adminform"].form
    assert set(form.errors) == {"url", "events"}


def test_nobody_can_edit_or_delete_an_outbox_row(client, lead, failed_call):
    response = client.post(
        f"/admin/notifications/outboxmessage/{failed_call.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 403
    assert OutboxMessage.objects.filter(pk=failed_call.pk).exists()


def test_the_endpoint_list_counts_failed_deliveries_in_one_query(
    client, lead, failed_call, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        response = client.get("/admin/notifications/webhookendpoint/")

    assert response.status_code == 200
    assert 'class="field-failed_deliveries">1</td>' in response.content.decode()
