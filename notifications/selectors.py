"""Reads of the outbox and its webhook endpoints, for the events, /healthz and the admin."""

import logging

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone
from kombu.exceptions import ChannelError

from notifications.models import (
    QUEUE_OF_KIND,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    WebhookEndpoint,
)

log = logging.getLogger(__name__)


def endpoints_for(*, event, tenant_id):
    """The active webhook endpoints that want `event` of this tenant: those of every
    tenant and this one's. Which events an endpoint wants is a short list, read in Python
    (a JSON containment lookup is not on every database)."""
    endpoints = WebhookEndpoint.objects.filter(active=True).filter(
        Q(tenant__isnull=True) | Q(tenant_id=tenant_id)
    )
    return [endpoint for endpoint in endpoints if endpoint.wants(event, tenant_id)]


def queue_length():
    """Messages waiting in the broker: {"broker", "length", "queues"}, the length in all and
    by queue; None when the broker cannot be reached or tasks run in-process (no broker)."""
    from config.celery import app

    names = [*QUEUE_OF_KIND.values(), settings.CELERY_TASK_DEFAULT_QUEUE]
    if app.conf.task_always_eager:
        return {"broker": "in-process", "length": None, "queues": None}
    try:
        with app.connection_for_read(connect_timeout=1) as connection:
            connection.ensure_connection(max_retries=1)
            queues = {name: _waiting(connection, name) for name in names}
            return {"broker": "ok", "length": sum(queues.values()), "queues": queues}
    except Exception as fault:  # any broker fault reads as "unavailable" on a health page
        log.warning("Could not read the queue length: %s", fault)
        return {"broker": "unavailable", "length": None, "queues": None}


def _waiting(connection, name):
    try:
        return connection.default_channel.queue_declare(queue=name, passive=True).message_count
    except ChannelError:
        # Redis keeps no queue that has never held a message: nothing waits.
        return 0


def outbox_figures(*, now=None):
    """Counts by kind and status, what is due, and the oldest pending message's age in all
    ("oldest_pending_seconds") and by kind ("oldest_pending_seconds_by_kind"); None where
    nothing is pending. One query."""
    now = now or timezone.now()
    pending = Q(status=MessageStatus.PENDING)
    figures = {}
    rows = OutboxMessage.objects.values("kind").annotate(
        pending=Count("id", filter=pending),
        due=Count("id", filter=pending & Q(next_attempt_at__lte=now)),
        failed=Count("id", filter=Q(status=MessageStatus.FAILED)),
        delivered=Count("id", filter=Q(status=MessageStatus.DELIVERED)),
        oldest_pending=Min("created_at", filter=pending),
    )
    oldest = dict.fromkeys(MessageKind.values)
    for kind in MessageKind.values:
        figures[kind] = {"pending": 0, "due": 0, "failed": 0, "delivered": 0}
    for row in rows.order_by():
        figures[row["kind"]] = {k: row[k] for k in ("pending", "due", "failed", "delivered")}
        oldest[row["kind"]] = row["oldest_pending"]
    ages = {kind: int((now - at).total_seconds()) if at else None for kind, at in oldest.items()}
    known = [age for age in ages.values() if age is not None]
    figures["oldest_pending_seconds"] = max(known) if known else None
    figures["oldest_pending_seconds_by_kind"] = ages
    return figures


def health_details():
    """The outbox, webhook and queue figures /healthz shows; JSON-able."""
    figures = outbox_figures()
    return {
        "outbox": {
            "emails": figures[MessageKind.EMAIL],
            "webhooks": figures[MessageKind.WEBHOOK],
            "oldest_pending_seconds": figures["oldest_pending_seconds"],
        },
        "webhook_endpoints": {
            "active": WebhookEndpoint.objects.filter(active=True).count(),
        },
        "queue": queue_length(),
    }
