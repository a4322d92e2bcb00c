import json
import os
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from email import message_from_string
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest
import redis
from django.db import connection, transaction

from conftest import Launched
from notifications import services
from notifications.models import WebhookEndpoint
from notifications.services import Email


@dataclass
class Call:
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """A helpdesk's webhook receiver on 127.0.0.1 that answers with scripted statuses."""

    url: str = ""
    statuses: list = field(default_factory=list)
    calls: list = field(default_factory=list)
    # While set, the receiver holds each request open (a worker killed mid-call).
    hold: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Condition = field(default_factory=threading.Condition)
    # Seconds each answer takes: a slow receiver (the worker holds the message meanwhile).
    delay: float = 0

    def wait_for_calls(self, n, timeout):
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.calls) >= n, timeout=timeout)


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with state.arrived:
                state.calls.append(Call(headers=dict(self.headers), body=body))
                state.arrived.notify_all()
            if state.hold.is_set():
                state.release.wait(timeout=30)
                return
            time.sleep(state.delay)
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_port}/hooks/unlock"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def endpoint(db, receiver):
    return WebhookEndpoint.objects.create(
        name="Zendesk", url=receiver.url, secret="s3cret-for-tests"
    )


def queue_emails(*addresses, event="created", reference=None):
    """What a change does: an email to each address, under one event id, in its own
    transaction."""
    with transaction.atomic():
        return services.queue_emails(
            [
                Email(
                    to=address,
                    subject=f"Approve the unlock for {address}",
                    text=f"Hello {address},\nthe link: https://desk.example/approve/t/",
                    html=f'<p>Hello {address}, <a href="https://desk.example/">approve</a></p>',
                )
                for address in addresses
            ],
            event=event,
            event_id=uuid.uuid4(),
            reference=reference,
        )


def queue_calls(*endpoints, event="created", body=None, reference=None):
    """What a change does: the event's body to each endpoint, in its own transaction."""
    body = body or json.dumps({"event": f"unlock_request.{event}", "n": 1}, separators=(",", ":"))
    with transaction.atomic():
        return services.queue_webhook(
            endpoints=endpoints,
            event=event,
            event_id=uuid.uuid4(),
            body=body,
            reference=reference,
        )


class Worker:
    """A real `celery worker -B` process against the test's database and Redis."""

    def __init__(self, tmp_path, env, queues="emails,webhooks,scheduled", beat=True, pool="solo"):
        """`pool`: "solo" runs tasks in the worker's own process; None leaves Celery's
        default (prefork child processes), as the README's production command does."""
        self.tmp_path = tmp_path
        self.pool = pool
        self.env = env
        self.queues = queues
        self.beat = beat
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir(exist_ok=True)
        self.launched = None
        self.starts = 0

    def start(self, timeout=60):
        self.starts += 1
        beat = ["--beat", "--schedule", str(self.tmp_path / "beat-schedule")] if self.beat else []
        self.launched = Launched(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                *beat,
                *([f"--pool={self.pool}"] if self.pool else []),
                f"--queues={self.queues}",
                "--loglevel=INFO",
                "--hostname",
                f"test-{uuid.uuid4().hex[:8]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            env=self.env,
            log_path=self.tmp_path / f"worker-{self.queues}-{self.starts}.log",
            ready=lambda launched: " ready." in launched.log(),
            what="The Celery worker",
            stop_wait=15,
        ).start(timeout)
        return self

    @property
    def process(self):
        return self.launched.process if self.launched else None

    @property
    def log_path(self):
        return self.launched.log_path

    def kill(self):
        """Kill the worker and its beat at once, as a crash would (no acknowledgement)."""
        if self.launched:
            self.launched.kill()

    def stop(self):
        if self.launched:
            self.launched.stop()

    def emails(self):
        """The emails the worker sent, parsed from the file backend's output."""
        sent = []
        for path in sorted(self.mail_dir.glob("*.log")):
            for chunk in path.read_text().split("-" * 79):
                if chunk.strip():
                    sent.append(message_from_string(chunk.strip()))
        return sent


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"Timed out after {timeout} s waiting until {what}")


def _test_database_url():
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def clear_broker(redis_url):
    """Drop queued, unacknowledged and scheduled tasks left by an earlier test."""
    client = redis.Redis.from_url(redis_url)
    try:
        patterns = ("celery*", "unacked*", "_kombu*", "emails*", "webhooks*", "scheduled*")
        keys = [k for pattern in patterns for k in client.keys(pattern)]
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def worker(tmp_path, transactional_db):
    """Starts (on .start()) a worker whose backoff, lease and sweep take seconds, not
    minutes; the test's own process enqueues to the same Redis for real."""
    from config.celery import app

    redis_url = os.environ["REDIS_URL"]
    clear_broker(redis_url)
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": redis_url,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "OUTBOX_BACKOFF_BASE_SECONDS": "0.5",
        "OUTBOX_BACKOFF_CAP_SECONDS": "2",
        "OUTBOX_SWEEP_SECONDS": "1",
        "OUTBOX_LEASE_SECONDS": "4",
        "WEBHOOK_TIMEOUT_SECONDS": "3",
        "PYTHONUNBUFFERED": "1",
    }
    app.conf.task_always_eager = False
    process = Worker(tmp_path, env)
    try:
        yield process
    finally:
        process.stop()
        clear_broker(redis_url)
