"""GET /readyz names what is wrong, and answers within 2 s whatever is down."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from core import jobs
from unlocks.api import health, readiness


@pytest.fixture(autouse=True)
def _fresh_checks(monkeypatch):
    monkeypatch.setattr(readiness, "_migrated", False)
    monkeypatch.setattr(readiness, "_running", {})


@pytest.fixture
def with_beat(settings):
    """As production runs: a broker and a beat, not tasks in-process."""
    from config.celery import app

    app.conf.task_always_eager = False  # the root conftest sets it back after the test


@pytest.mark.django_db
def test_it_is_ready_when_everything_is_in_order(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "ready": True,
        "checks": {"database": "ok", "migrations": "ok", "broker": "ok", "beat": "ok"},
    }


@pytest.mark.django_db(transaction=True)
def test_it_names_the_migrations_not_applied(client):
    recorder = MigrationRecorder(connection)
    recorder.record_unapplied("unlocks", "0001_initial")
    try:
        response = client.get("/readyz")
    finally:
        recorder.record_applied("unlocks", "0001_initial")

    assert response.status_code == 503
    said = response.json()["checks"]["migrations"]
    assert said.startswith("1 migrations are not applied (unlocks.0001_initial)")
    assert "manage.py migrate" in said


@pytest.mark.django_db
def test_it_names_a_database_that_is_down(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionError("database is down")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "The database does not answer."


@pytest.mark.django_db
def test_it_answers_within_two_seconds_when_a_check_hangs(client, monkeypatch):
    release = threading.Event()
    calls = []

    def frozen():
        calls.append(1)
        release.wait(timeout=30)
        return health.OK

    monkeypatch.setattr(health, "database", frozen)
    try:
        answers = []
        for _ in range(2):
            started = time.monotonic()
            answers.append((client.get("/readyz"), time.monotonic() - started))
    finally:
        release.set()

    for response, took in answers:
        assert took < 2
        assert response.status_code == 503
        assert response.json()["checks"]["database"] == "No answer within 1.5 s."
        assert response.json()["checks"]["migrations"] == "ok"
    # The second probe waited on the check still running, and started none of its own.
    assert len(calls) == 1


@pytest.mark.django_db
def test_it_names_a_broker_that_is_down(client, settings, with_beat):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_TRANSPORT = None

    started = time.monotonic()
    response = client.get("/readyz")

    assert time.monotonic() - started < 2
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == (
        "The broker (Redis) does not answer: emails, webhooks and jobs wait."
    )


@pytest.mark.django_db
def test_it_names_the_beat_jobs_that_are_late(client, with_beat):
    now = timezone.now()
    for name in jobs.scheduled():
        jobs.record_success(name, now=now)
    jobs.record_success("unlocks.tasks.expire_pending_requests", now=now - timedelta(minutes=4))

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["beat"] == (
        "Beat jobs are late: unlocks.tasks.expire_pending_requests (last success 240 s ago). "
        "Is `celery beat` running?"
    )
