"""A Redis of the test's own, killed and restarted, then frozen and resumed, while a real
worker delivers: the worker lives through every outage, every message is delivered once,
and /healthz answers within two seconds throughout."""

import os
import signal
import socket
import subprocess
import time
from collections import Counter

import pytest
import redis as redis_client

from notifications import services
from notifications.models import MessageStatus, OutboxMessage
from notifications.tests.conftest import queue_calls, queue_emails, wait_until
from unlocks.api import health

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    """A redis-server on a port of its own, for this test alone."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tmp_path
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis_client.Redis.from_url(self.url, socket_timeout=1)
        wait_until(lambda: self._pings(client), timeout=10, what="redis-server answered")

    @staticmethod
    def _pings(client):
        try:
            return client.ping()
        except redis_client.RedisError:
            return False

    def kill(self):
        self.process.kill()
        self.process.wait(timeout=10)

    def freeze(self):
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self):
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.resume()
            self.kill()


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_worker(worker, own_redis, monkeypatch):
    """The worker fixture's settings, on the test's own Redis. This process writes rows and
    hands nothing over: the worker's own sweep (every second) finds them."""
    worker.env = {**worker.env, "REDIS_URL": own_redis.url}
    monkeypatch.setattr(services, "enqueue", lambda messages: 0)
    return worker


def healthz_broker(settings, own_redis):
    """What /healthz says of the broker, and how long it took to say it."""
    settings.CELERY_BROKER_URL = own_redis.url
    started = time.monotonic()
    answer = health.broker()
    return answer, time.monotonic() - started


def queue_some(endpoint, n):
    calls = [row for _ in range(n) for row in queue_calls(endpoint)]
    return calls + queue_emails(*[f"admin{i}@acme.test" for i in range(n)])


def all_delivered(rows):
    ids = [row.pk for row in rows]
    return OutboxMessage.objects.filter(pk__in=ids, status=MessageStatus.DELIVERED).count() == len(
        ids
    )


def test_the_worker_delivers_everything_once_through_outages(
    own_worker, own_redis, receiver, endpoint, settings
):
    own_worker.start()
    rows = queue_some(endpoint, 2)
    wait_until(lambda: all_delivered(rows), timeout=60, what="the first messages went")

    for outage in ("killed", "killed", "killed", "frozen", "frozen"):
        before = own_redis.kill if outage == "killed" else own_redis.freeze
        before()
        # Messages of changes made while the broker is away.
        rows += queue_some(endpoint, 2)
        answer, took = healthz_broker(settings, own_redis)
        assert (answer, took < 2) == ("unavailable", True), (outage, answer, took)
        time.sleep(5)
        assert own_worker.process.poll() is None, own_worker.log_path.read_text()[-3000:]
        if outage == "killed":
            own_redis.start()
        else:
            own_redis.resume()
        answer, took = healthz_broker(settings, own_redis)
        assert (answer, took < 2) == ("ok", True), (outage, answer, took)
        wait_until(
            lambda rows=rows: all_delivered(rows),
            timeout=90,
            what=f"every message went after {outage}",
        )

    assert own_worker.process.poll() is None, "the worker died in an outage"
    # Each webhook reached its receiver once, each email was sent once.
    events = Counter(call.headers["X-Unlock-Event-Id"] for call in receiver.calls)
    webhooks = [row for row in rows if row.kind == "webhook"]
    assert sorted(events) == sorted(str(row.event_id) for row in webhooks)
    assert set(events.values()) == {1}
    sent = Counter(mail["To"] for mail in own_worker.emails())
    emails = [row for row in rows if row.kind == "email"]
    assert sum(sent.values()) == len(emails)
