"""GET /metrics: only for the scraper with the token; the outbox's and beat jobs' figures
read at each scrape."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from config.tests.metrics import TOKEN, scrape, value
from core import jobs
from notifications.models import MessageStatus, OutboxMessage, WebhookEndpoint


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN


def test_without_a_token_set_there_are_no_metrics(client, db, settings):
    settings.METRICS_TOKEN = ""

    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer ")

    assert response.status_code == 404


@pytest.mark.parametrize(
    "header", ["", f"Token {TOKEN}", "Bearer wrong", f"Bearer {TOKEN}x", "Bearer"]
)
def test_it_refuses_a_scraper_without_the_right_token(client, db, token, header):
    response = client.get("/metrics", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"METRICS_TOKEN" in response.content
    assert b"unlockdesk_" not in response.content


def test_it_serves_prometheus_text_to_the_scraper_with_the_token(client, db, token):
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert b"# TYPE unlockdesk_unlock_requests_total counter" in response.content


def _message(kind, status, age):
    now = timezone.now()
    endpoint = None
    if kind == "webhook":
        endpoint, _ = WebhookEndpoint.objects.get_or_create(
            name="Zendesk", url="http://127.0.0.1:9/hooks", secret="s3cret-for-tests"
        )
    row = OutboxMessage.objects.create(
        kind=kind,
        endpoint=endpoint,
        event="created",
        event_id=uuid.uuid4(),
        recipient="pat@acme.test",
        body="-",
        status=status,
        next_attempt_at=now + timedelta(minutes=5),
        retry_until=now + timedelta(hours=3),
    )
    OutboxMessage.objects.filter(pk=row.pk).update(created_at=now - age)


def test_it_reports_the_outbox_depth_and_its_oldest_unsent_message_by_kind(client, db, token):
    _message("email", MessageStatus.PENDING, timedelta(minutes=7))
    _message("email", MessageStatus.PENDING, timedelta(minutes=1))
    _message("email", MessageStatus.DELIVERED, timedelta(hours=2))
    _message("webhook", MessageStatus.FAILED, timedelta(hours=5))

    samples = scrape(client)

    assert value(samples, "unlockdesk_outbox_messages", kind="email", status="pending") == 2
    assert value(samples, "unlockdesk_outbox_messages", kind="email", status="due") == 0
    assert value(samples, "unlockdesk_outbox_messages", kind="webhook", status="failed") == 1
    oldest = "unlockdesk_outbox_oldest_unsent_age_seconds"
    assert value(samples, oldest, kind="email") == pytest.approx(7 * 60, abs=30)
    assert value(samples, oldest, kind="webhook") == 0


def test_a_beat_job_is_late_after_three_of_its_intervals_without_success(client, db, token):
    cleanup = "unlocks.tasks.purge_idempotency_keys"  # hourly
    sweep = "notifications.tasks.dispatch_due_messages"  # every 30 s
    now = timezone.now()
    jobs.record_success(cleanup, now=now - timedelta(hours=2))
    jobs.record_success(sweep, now=now - timedelta(minutes=3))

    samples = scrape(client)

    assert value(samples, "unlockdesk_beat_late", task=cleanup) == 0
    assert value(samples, "unlockdesk_beat_late", task=sweep) == 1
    assert value(
        samples, "unlockdesk_beat_last_success_timestamp_seconds", task=cleanup
    ) == pytest.approx((now - timedelta(hours=2)).timestamp())


def test_a_made_up_method_or_address_adds_no_series_of_its_own(client, db, token):
    client.generic("BREW", "/api/v1/unlock-requests/")
    client.generic("BREW", "/no/such/page/7f3a/")

    samples = scrape(client)

    latency = {labels for name, labels in samples if name.endswith("duration_seconds_count")}
    assert all(dict(labels)["method"] != "BREW" for labels in latency)
    assert all("7f3a" not in dict(labels)["view"] for labels in latency)
    assert (
        "unlockdesk_http_request_duration_seconds_count",
        (("method", "other"), ("status", "404"), ("view", "unmatched")),
    ) in samples
