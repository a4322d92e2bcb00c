"""The production shape: gunicorn with two workers and a Celery worker with two child
processes, sharing one PROMETHEUS_MULTIPROC_DIR, on PostgreSQL and Redis. An approval over
HTTP is counted once whichever process did what, every scrape agrees, and the JSON log
lines of each process parse and carry the request's id or the outbox row and try."""

import json
import os
import sys

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from accounts.tests.factories import PIN
from config.tests.metrics import TOKEN, value
from notifications.models import DeliveryAttempt, MessageStatus, OutboxMessage, WebhookEndpoint

# The outbox's loopback webhook receiver.
from notifications.tests.conftest import (
    Worker,
    _test_database_url,
    clear_broker,
    receiver,  # noqa: F401
    wait_until,
)
from unlocks.tests.api.conftest import OPEN_BODY
from unlocks.tests.load.conftest import Server, free_port, server_env

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def env(tmp_path):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    return server_env(
        DATABASE_URL=_test_database_url(),
        REDIS_URL=os.environ["REDIS_URL"],
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        METRICS_TOKEN=TOKEN,
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
        OUTBOX_SWEEP_SECONDS="1",
    )


@pytest.fixture
def processes(env, tmp_path):
    from config.celery import app

    clear_broker(env["REDIS_URL"])
    app.conf.task_always_eager = False
    port = free_port()
    web = Server(
        [
            *(sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py"),
            *("config.wsgi:application", "--workers", "2", "--bind", f"127.0.0.1:{port}"),
        ],
        env=env,
        log_path=tmp_path / "gunicorn.log",
        port=port,
    )
    # Celery's default pool, as in production: child processes.
    worker = Worker(tmp_path, env, pool=None)
    try:
        yield web.start(), worker.start()
    finally:
        web.stop()
        worker.stop()
        clear_broker(env["REDIS_URL"])


def scrape(url):
    response = requests.get(
        f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def json_lines(path):
    """Every line of a process's log that is a JSON object (Celery's banner is not a log
    line); each must parse."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


def test_counts_and_logs_add_up_across_processes(processes, api_key, receiver):  # noqa: F811
    web, worker = processes
    WebhookEndpoint.objects.create(name="Zendesk", url=receiver.url, secret="s3cret-for-tests")
    helpdesk = requests.Session()
    helpdesk.headers["Authorization"] = f"Token {api_key}"

    opened = helpdesk.post(f"{web.url}/api/v1/unlock-requests/", json=OPEN_BODY, timeout=30)
    assert opened.status_code == 201, opened.text
    request_id = opened.headers["X-Request-ID"]
    verified = helpdesk.post(
        f"{web.url}/api/v1/unlock-requests/{opened.json()['id']}/verify/",
        json={
            "admin_email": "pat@acme.test",
            "pin": PIN,
            "consent_version": 1,
            "consent_accepted": True,
            "duplicate_risk_acknowledged": True,
        },
        timeout=30,
    )
    assert verified.status_code == 200, verified.text
    wait_until(
        lambda: (
            OutboxMessage.objects.exists()
            and not OutboxMessage.objects.exclude(status=MessageStatus.DELIVERED).exists()
        ),
        timeout=60,
        what="the worker delivered every email and webhook call",
    )

    # Whichever gunicorn worker answers the scrape, it adds up every process's counts.
    scrapes = [scrape(web.url) for _ in range(6)]
    tries = {
        kind: DeliveryAttempt.objects.filter(message__kind=kind).count()
        for kind in ("email", "webhook")
    }
    for samples in scrapes:
        assert value(samples, "unlockdesk_unlock_requests_total", event="opened") == 1
        assert value(samples, "unlockdesk_unlock_requests_total", event="approved") == 1
        for kind, n in tries.items():
            got = value(
                samples, "unlockdesk_outbox_delivery_attempts_total", kind=kind, result="delivered"
            )
            assert got == n
        latency = "unlockdesk_http_request_duration_seconds_count"
        assert value(samples, latency, view="api-requests", method="POST", status="201") == 1
    assert tries["email"] >= 2 and tries["webhook"] == 2

    web_lines = json_lines(web.log_path)
    (answer,) = [
        line
        for line in web_lines
        if line["logger"] == "unlockdesk.requests" and line.get("request_id") == request_id
    ]
    assert (answer["status"], answer["tenant"], answer["view"]) == (201, "acme", "api-requests")
    assert any(line["logger"].startswith("gunicorn") for line in web_lines)
    deliveries = [line for line in json_lines(worker.log_path) if "outbox_message" in line]
    assert {line["kind"] for line in deliveries} == {"email", "webhook"}
    assert all(line["attempt"] == 1 and line["task_id"] for line in deliveries)
