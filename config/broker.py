"""Celery's Redis transport, mended so that a worker outlives its broker.

1. An ack or reject that fails leaves the worker listening. kombu's Redis QoS removes an
   acknowledged message from Redis first and frees the worker's prefetch slot after. When
   the removal fails (Redis froze or went away in the middle of it), the slot is never
   freed; with one slot per process the worker receives nothing more until its
   connection drops, which a frozen Redis never makes it do. Here the slot is freed
   whatever Redis answered.
2. A failure on a lost connection is a connection error. When Redis dies while a worker
   holds a message, Celery drops the connection (`Consumer.on_connection_error_after_
   connected` collects it), then closes its channel, which restores the unacknowledged
   messages through a client the collection took away: kombu raises AttributeError
   ('NoneType' object has no attribute 'hostname'), which Celery takes for a bug and
   stops the worker on. An ack that runs into the same collected connection does the
   same. Both are raised here as the connection error they are, which Celery recovers
   from: it logs it, reconnects and goes on. (kombu 5.7.0, the newest; reported upstream
   as celery/kombu#582 and #970, not fixed.)

Either way the message itself stays in Redis's unacked set and comes back after the
visibility timeout, which every task is written to survive: a delivery decides from its
outbox row, never from the broker, whether it has been sent.
"""

from kombu.transport import redis, virtual
from redis import exceptions


def _lost(error):
    """`error` as the connection error Celery recovers from."""
    if isinstance(error, (exceptions.ConnectionError, exceptions.TimeoutError, OSError)):
        return error
    return exceptions.ConnectionError(f"The connection to Redis was lost: {error!r}")


class QoS(redis.QoS):
    def ack(self, delivery_tag):
        try:
            super().ack(delivery_tag)
        except Exception as error:
            # Free the slot, then let Celery log the failed ack as it always does.
            virtual.QoS.ack(self, delivery_tag)
            raise _lost(error) from error

    def reject(self, delivery_tag, requeue=False):
        try:
            super().reject(delivery_tag, requeue=requeue)
        except Exception as error:
            # As above: Redis keeps the message, and gives it back after the timeout.
            virtual.QoS.ack(self, delivery_tag)
            raise _lost(error) from error

    def restore_unacked(self, client=None):
        try:
            return super().restore_unacked(client)
        except AttributeError as error:
            # The connection was collected under the channel: nothing to restore through.
            raise _lost(error) from error


class Channel(redis.Channel):
    QoS = QoS


class Transport(redis.Transport):
    Channel = Channel
