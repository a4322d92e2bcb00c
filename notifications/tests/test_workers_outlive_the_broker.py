"""Workers started as the README starts them (one per queue, and one beat) outlive a
Redis of the test's own that dies, restarts or freezes while a worker holds a message:
each keeps running, delivery resumes by itself, and nothing is sent twice.

A webhook delivery is held open at the receiver, so the webhooks worker is mid-task when
Redis goes; it acknowledges the message once the receiver answers, on a connection that
is gone. `UNLOCK_OUTAGE_ROUNDS` sets how many times each outage is tried (2 in `make
test`; 10 shows it holds 10 times of 10)."""

import os
import sys
import time
from collections import Counter

import pytest

from conftest import Launched
from notifications.models import MessageStatus, OutboxMessage
from notifications.tests.conftest import Worker, queue_calls, queue_emails, wait_until
from notifications.tests.test_broker_outages import own_redis  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

ROUNDS = int(os.environ.get("UNLOCK_OUTAGE_ROUNDS", "2"))


@pytest.fixture
def per_queue(worker, own_redis, tmp_path):  # noqa: F811 (own_redis is a fixture)
    """A worker for each queue and one beat, as the README's production section runs them,
    on the test's own Redis; the beat's sweep hands over what the test writes."""
    env = {**worker.env, "REDIS_URL": own_redis.url}
    workers = {
        queue: Worker(tmp_path, env, queues=queue, beat=False, pool=None)
        for queue in ("emails", "webhooks", "scheduled")
    }
    beat = Launched(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "--schedule",
            str(tmp_path / "beat-schedule"),
            "--loglevel=INFO",
        ],
        env=env,
        log_path=tmp_path / "beat.log",
        ready=lambda launched: "beat: Starting" in launched.log(),
        what="Celery beat",
    )
    for each in workers.values():
        each.start()
    beat.start()
    try:
        yield workers
    finally:
        beat.stop()
        for each in workers.values():
            each.stop()


def delivered(rows):
    ids = [row.pk for row in rows]
    done = OutboxMessage.objects.filter(pk__in=ids, status=MessageStatus.DELIVERED).count()
    return done == len(ids)


def all_alive(workers):
    return {queue: each.process.poll() is None for queue, each in workers.items()}


@pytest.mark.parametrize("outage", ["killed", "restarted", "frozen"])
def test_a_worker_holding_a_message_lives_through_the_broker_going(
    outage,
    per_queue,
    own_redis,  # noqa: F811 (a fixture)
    receiver,
    endpoint,
):
    rows = []
    # Each answer takes 2 s (the worker gives up after 3): Redis goes while the webhooks
    # worker waits for it, and the delivery ends, and is acknowledged, without Redis.
    receiver.delay = 2
    for n in range(ROUNDS):
        calls = len(receiver.calls)
        held = queue_calls(endpoint)
        rows += held + queue_emails(f"admin{n}@acme.test")
        assert receiver.wait_for_calls(calls + 1, timeout=30), "the webhook never arrived"

        # The webhooks worker is mid-delivery: take Redis away under it.
        if outage == "frozen":
            own_redis.freeze()
        else:
            own_redis.kill()
        time.sleep(5)
        if outage == "frozen":
            own_redis.resume()
        elif outage == "restarted":
            own_redis.start()
        else:
            time.sleep(3)
            own_redis.start()
        # It answered the held call: the delivery ran to its end and recorded it.
        wait_until(lambda rows=rows: delivered(rows), timeout=90, what=f"round {n} delivered")
        alive = all_alive(per_queue)
        assert all(alive.values()), (alive, per_queue["webhooks"].log_path.read_text()[-3000:])

    # Every webhook reached the receiver once; every email was sent once.
    events = Counter(call.headers["X-Unlock-Event-Id"] for call in receiver.calls)
    webhooks = [row for row in rows if row.kind == "webhook"]
    assert sorted(events) == sorted(str(row.event_id) for row in webhooks)
    assert set(events.values()) == {1}
    sent = Counter(mail["To"] for mail in per_queue["emails"].emails())
    assert sum(sent.values()) == len([row for row in rows if row.kind == "email"])
