"""Celery's Redis transport, mended: an ack or reject that fails leaves the worker listening.

kombu's Redis QoS removes an acknowledged message from Redis first and frees the
worker's prefetch slot after. When the removal fails (Redis froze or went away in the
middle of it), the slot is never freed; with one slot per process the worker receives
nothing more until its connection drops, which a frozen Redis never makes it do. Here
the slot is freed whatever Redis answered. The message itself stays in Redis's unacked
set and comes back after the visibility timeout, which every task is written to survive:
a delivery decides from its outbox row, never from the broker, whether it has been sent.
"""

from kombu.transport import redis, virtual


class QoS(redis.QoS):
    def ack(self, delivery_tag):
        try:
            super().ack(delivery_tag)
        except Exception:
            # Free the slot, then let Celery log the failed ack as it always does.
            virtual.QoS.ack(self, delivery_tag)
            raise

    def reject(self, delivery_tag, requeue=False):
        try:
            super().reject(delivery_tag, requeue=requeue)
        except Exception:
            # As above: Redis keeps the message, and gives it back after the timeout.
            virtual.QoS.ack(self, delivery_tag)
            raise


class Channel(redis.Channel):
    QoS = QoS


class Transport(redis.Transport):
    Channel = Channel
