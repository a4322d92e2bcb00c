"""A consumer whose ack failed, because Redis froze in the middle of it, still hears the
next message (config/broker.py). kombu's own Redis transport goes deaf there: the case
that shows it is kept, so the day kombu mends it this test says the mend can go."""

import contextlib
import time

import pytest
from django.conf import settings
from kombu import Connection, Consumer, Exchange, Producer, Queue

from notifications.tests.test_broker_outages import own_redis  # noqa: F401 (a fixture)

pytestmark = pytest.mark.redis

QUEUE = Queue("ack-mend", Exchange("ack-mend"), routing_key="ack-mend")
TIMEOUTS = {"socket_timeout": 1, "socket_connect_timeout": 1}


def publish(url, body, **options):
    """`body` onto QUEUE, through a connection of its own (`options` are kombu's)."""
    with Connection(url, **{"transport_options": TIMEOUTS, **options}) as conn:
        Producer(conn.channel()).publish(
            body, exchange=QUEUE.exchange, routing_key="ack-mend", declare=[QUEUE]
        )


def drain_until(conn, condition, timeout):
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        with contextlib.suppress(TimeoutError):
            conn.drain_events(timeout=0.2)
    return condition()


@pytest.mark.parametrize(
    ("transport", "hears_again"),
    [("config.broker:Transport", True), ("redis", False)],
    ids=["ours", "kombu's own"],
)
def test_a_failed_ack_leaves_the_consumer_listening(own_redis, transport, hears_again):  # noqa: F811
    received = []
    with Connection(own_redis.url, transport=transport, transport_options=TIMEOUTS) as conn:
        channel = conn.channel()
        # One message at a time, as a worker with a prefetch multiplier of 1 takes them.
        channel.basic_qos(0, 1, False)
        Consumer(
            channel,
            queues=[QUEUE],
            callbacks=[lambda body, message: received.append((body, message))],
            accept=["json"],
        ).consume()
        publish(own_redis.url, {"n": 1})
        assert drain_until(conn, lambda: len(received) == 1, timeout=10)

        own_redis.freeze()
        try:
            with pytest.raises(Exception, match=r"[Tt]imeout"):
                received[0][1].ack()
        finally:
            own_redis.resume()

        publish(own_redis.url, {"n": 2})
        heard = drain_until(conn, lambda: len(received) == 2, timeout=5)
        assert heard is hears_again, (
            "the mended transport went deaf after a failed ack"
            if hears_again
            else "kombu's own transport now hears after a failed ack: config/broker.py may go"
        )
    if hears_again:
        assert [body for body, _ in received] == [{"n": 1}, {"n": 2}]


def test_the_worker_takes_the_mended_transport_for_its_redis_url():
    from config.celery import app

    assert settings.CELERY_BROKER_URL.startswith("redis://")
    with app.connection_for_write() as conn:
        assert conn.transport_cls == "config.broker:Transport"
