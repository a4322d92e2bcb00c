"""Writing the outbox in the caller's transaction, and delivering it afterwards.

The outbox knows nothing of what its messages are about: the caller writes each
message whole (an email's subject, text and HTML; a webhook's JSON body) and names
what it concerns in `reference`. A row exists exactly when the change that wrote it
does, and it is handed to Celery once that change commits.

A message is claimed with one conditional UPDATE before it is sent, so two workers
that pick up the same row never both send it; a worker that dies mid-send leaves
a claim that runs out, and the periodic sweep hands the row to the next worker.
"""

import logging
import time
import uuid
from dataclasses import dataclass
from functools import partial

import requests
from celery import current_app
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core import logs, metrics
from notifications import backoff
from notifications.models import (
    QUEUE_OF_KIND,
    DeliveryAttempt,
    MessageKind,
    MessageStatus,
    OutboxMessage,
)
from notifications.signing import HEADER, signature

log = logging.getLogger(__name__)

# The Celery task that sends one message (on its kind's queue, QUEUE_OF_KIND).
DELIVER_TASK = "notifications.tasks.deliver_outbox_message"


@dataclass(frozen=True)
class Email:
    """One email to one address, written in full."""

    to: str
    subject: str
    text: str
    html: str = ""


def queue_emails(emails, *, event: str, event_id, reference=None) -> list[OutboxMessage]:
    """Write an outbox row per email in the current transaction (one INSERT for them
    all), to be sent once it commits; returns the rows. `event_id` is shared by every
    message of one event; `reference`: the id of what the event is about."""
    now = timezone.now()
    return _queue(
        [
            OutboxMessage(
                kind=MessageKind.EMAIL,
                event=event,
                event_id=event_id,
                reference=reference,
                recipient=email.to,
                subject=email.subject,
                body=email.text,
                html=email.html,
                next_attempt_at=now,
                retry_until=backoff.retry_until(now),
            )
            for email in emails
        ]
    )


def queue_webhook(
    *, endpoints, event: str, event_id, body: str, reference=None
) -> list[OutboxMessage]:
    """Write an outbox row per endpoint carrying `body` (the exact JSON text that is
    POSTed and signed, on every try) in the current transaction, to be sent once it
    commits; returns the rows. `endpoints`: from `selectors.endpoints_for`."""
    now = timezone.now()
    return _queue(
        [
            OutboxMessage(
                kind=MessageKind.WEBHOOK,
                event=event,
                event_id=event_id,
                reference=reference,
                endpoint=endpoint,
                recipient=endpoint.url,
                body=body,
                next_attempt_at=now,
                retry_until=backoff.retry_until(now),
            )
            for endpoint in endpoints
        ]
    )


def _queue(rows):
    if not rows:
        return []
    created = OutboxMessage.objects.bulk_create(rows)
    # Outside a transaction (autocommit) Django runs this at once.
    transaction.on_commit(partial(enqueue, [(row.pk, row.kind) for row in created]))
    return created


def hand_over(message_id, kind, *, countdown=None):
    """Give one message to a worker on its kind's queue. In-process mode (no REDIS_URL)
    sends it here and now instead; a message due later is left to the sweep there."""
    app = current_app
    if app.conf.task_always_eager:
        if countdown is None:
            deliver_message(message_id)
        return
    app.send_task(DELIVER_TASK, args=(message_id,), queue=QUEUE_OF_KIND[kind], countdown=countdown)


class BrokerPause:
    """After a hand-over fails, this process leaves the broker alone for a while
    (OUTBOX_HANDOVER_PAUSE_SECONDS): a change waits on a dead or frozen broker for one
    timeout at most, and the changes after it not at all. Their messages wait, pending,
    for the sweep. One per process; a float read and written whole."""

    def __init__(self):
        self.until = 0.0

    def on(self):
        return time.monotonic() < self.until

    def begin(self):
        self.until = time.monotonic() + settings.NOTIFICATIONS_HANDOVER_PAUSE.total_seconds()

    def end(self):
        self.until = 0.0


broker_pause = BrokerPause()


def enqueue(messages) -> int:
    """Hand (id, kind) pairs to Celery; returns how many were handed over.

    Never raises: a broker that is down must not fail the change that caused the
    message. The first failure pauses hand-overs (`BrokerPause`); the periodic sweep picks
    up whatever could not be enqueued.
    """
    if broker_pause.on() and not current_app.conf.task_always_eager:
        log.info("The broker failed a moment ago; %d messages wait for the sweep.", len(messages))
        return 0
    handed = 0
    for message_id, kind in messages:
        try:
            hand_over(message_id, kind)
        except Exception:  # the broker's errors vary by transport; all mean "not now"
            broker_pause.begin()
            log.warning(
                "Could not enqueue outbox message %s; it and %d more wait for the sweep.",
                message_id,
                len(messages) - handed - 1,
                exc_info=True,
            )
            return handed
        handed += 1
    return handed


def due_messages(*, now=None, limit=500) -> list[tuple[int, str]]:
    """(id, kind) of pending messages whose time has come and that no worker holds."""
    now = now or timezone.now()
    return list(
        OutboxMessage.objects.filter(status=MessageStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lte=now))
        .order_by("next_attempt_at")
        .values_list("pk", "kind")[:limit]
    )


def _claim(message_id, now):
    token = uuid.uuid4()
    claimed = (
        OutboxMessage.objects.filter(
            pk=message_id, status=MessageStatus.PENDING, next_attempt_at__lte=now
        )
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lte=now))
        .update(
            leased_until=now + settings.NOTIFICATIONS_LEASE,
            lease_token=token,
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return None
    return OutboxMessage.objects.select_related("endpoint").get(pk=message_id)


def deliver_message(message_id) -> str | None:
    """Try to send one message once; returns its status after, or None if it was not
    ours to send (already delivered, given up, not due, or held by another worker)."""
    message = _claim(message_id, timezone.now())
    if message is None:
        return None
    with logs.bound(outbox_message=message.pk, kind=message.kind, attempt=message.attempts):
        started = time.monotonic()
        try:
            status_code = _send(message)
            error = ""
        except DeliveryError as failure:
            status_code, error = failure.status_code, str(failure)
        except Exception as failure:  # any fault of the receiver or the mail server is a failed try
            status_code, error = None, f"{type(failure).__name__}: {failure}"
        duration_ms = int((time.monotonic() - started) * 1000)
        status = _record_outcome(
            message, status_code=status_code, error=error, duration_ms=duration_ms
        )
        result = RESULTS[status]
        # The one place a try ends: counted and logged here, after its outcome is recorded.
        metrics.DELIVERY_ATTEMPTS.labels(kind=message.kind, result=result).inc()
        log.log(
            logging.INFO if status == MessageStatus.DELIVERED else logging.WARNING,
            "Outbox message %s (%s) try %d: %s.",
            message.pk,
            message.kind,
            message.attempts,
            result,
            extra={"result": result, "duration_ms": duration_ms, "status_code": status_code},
        )
    return status


# A try's result as the metrics and the log name it, by the message's status after it.
RESULTS = {
    MessageStatus.DELIVERED: "delivered",
    MessageStatus.PENDING: "retrying",
    MessageStatus.FAILED: "failed",
}


class DeliveryError(Exception):
    def __init__(self, message, status_code=None):
        super().__init__(message)
        self.status_code = status_code


def _send(message):
    if message.kind == MessageKind.EMAIL:
        mail = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body,
            to=[message.recipient],
            headers={"X-Unlock-Event-Id": str(message.event_id)},
        )
        if message.html:
            mail.attach_alternative(message.html, "text/html")
        mail.send()
        return None
    endpoint = message.endpoint
    if not endpoint.active:
        raise DeliveryError("The endpoint is inactive; activate it and retry the message.")
    body = message.body.encode()
    response = requests.post(
        endpoint.url,
        data=body,
        headers={
            "Content-Type": "application/json",
            "User-Agent": "unlock-desk-webhooks/1",
            "X-Unlock-Event-Id": str(message.event_id),
            "X-Unlock-Event": f"{settings.NOTIFICATIONS_EVENT_PREFIX}{message.event}",
            HEADER: signature(body, endpoint.secret),
        },
        timeout=settings.WEBHOOK_TIMEOUT.total_seconds(),
        allow_redirects=False,
    )
    if not 200 <= response.status_code < 300:
        raise DeliveryError(
            f"The endpoint answered {response.status_code}: {response.text[:200]}",
            status_code=response.status_code,
        )
    return response.status_code


def _record_outcome(message, *, status_code, error, duration_ms):
    now = timezone.now()
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            message=message,
            number=message.attempts,
            at=now,
            ok=not error,
            status_code=status_code,
            error=error,
            duration_ms=duration_ms,
        )
        mine = OutboxMessage.objects.filter(pk=message.pk, lease_token=message.lease_token)
        if not error:
            mine.update(
                status=MessageStatus.DELIVERED,
                delivered_at=now,
                last_error="",
                leased_until=None,
                lease_token=None,
            )
            return MessageStatus.DELIVERED
        if now >= message.retry_until:
            mine.update(
                status=MessageStatus.FAILED,
                failed_at=now,
                last_error=error,
                leased_until=None,
                lease_token=None,
            )
            log.error("Outbox message %s failed for good: %s", message.pk, error)
            return MessageStatus.FAILED
        delay = backoff.retry_delay(message.attempts)
        mine.update(
            last_error=error,
            next_attempt_at=now + delay,
            leased_until=None,
            lease_token=None,
        )
    _schedule_retry(message, delay)
    return MessageStatus.PENDING


def _schedule_retry(message, delay):
    """Ask Celery to come back when the message is due; the sweep is the safety net."""
    try:
        hand_over(message.pk, message.kind, countdown=delay.total_seconds())
    except Exception:
        log.warning("Could not schedule a retry of %s; the sweep will.", message.pk, exc_info=True)


@transaction.atomic
def retry_messages(*, ids) -> int:
    """Send failed or pending messages again now (an agent's action in the admin)."""
    now = timezone.now()
    count = OutboxMessage.objects.filter(
        pk__in=ids, status__in=[MessageStatus.FAILED, MessageStatus.PENDING]
    ).update(
        status=MessageStatus.PENDING,
        next_attempt_at=now,
        failed_at=None,
        retry_until=backoff.retry_until(now),
    )
    messages = list(OutboxMessage.objects.filter(pk__in=ids).values_list("pk", "kind"))
    transaction.on_commit(partial(enqueue, messages))
    return count
