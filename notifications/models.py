"""The outbox: every email and webhook call, written in the transaction that causes it."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

# The events a webhook endpoint can subscribe to: named by the project, not the outbox.
WEBHOOK_EVENTS = tuple(settings.NOTIFICATIONS_WEBHOOK_EVENTS)


def all_webhook_events():
    return list(WEBHOOK_EVENTS)


def new_secret():
    return secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """A helpdesk URL that receives signed events."""

    name = models.CharField(max_length=100, unique=True)
    url = models.URLField(max_length=500, help_text="Receives a signed POST for each event.")
    secret = models.CharField(
        max_length=200,
        default=new_secret,
        help_text="Signs each body (X-Unlock-Signature: sha256=HMAC). Give it to the receiver.",
    )
    events = models.JSONField(
        default=all_webhook_events,
        help_text="Which events to send: " + ", ".join(WEBHOOK_EVENTS) + ".",
    )
    tenant = models.ForeignKey(
        "accounts.Tenant",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text="Only this tenant's events; leave blank for every tenant.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def wants(self, event, tenant_id):
        return (
            self.active
            and event in self.events
            and (self.tenant_id is None or self.tenant_id == tenant_id)
        )


class MessageKind(models.TextChoices):
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"


# The Celery queue each kind of message waits in: a webhook receiver that hangs holds up
# only the webhooks queue. The beat's jobs wait in CELERY_TASK_DEFAULT_QUEUE.
QUEUE_OF_KIND = {MessageKind.EMAIL: "emails", MessageKind.WEBHOOK: "webhooks"}


class MessageStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class OutboxMessage(models.Model):
    """One email to one person, or one event to one webhook endpoint.

    The content is written whole by the change that causes it, in its transaction, so
    every retry sends the same bytes (and the same signature) and shows what the event
    was about as it was at that moment.
    """

    kind = models.CharField(max_length=10, choices=MessageKind.choices)
    event = models.CharField(max_length=20)
    # One id per event, stable across retries and shared by its emails and calls.
    event_id = models.UUIDField(default=uuid.uuid4, db_index=True)
    # What the event is about (an unlock request's id), for finding a request's messages;
    # the outbox itself never reads it.
    reference = models.UUIDField(null=True, blank=True, db_index=True)
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    recipient = models.CharField(max_length=500, help_text="An email address or a webhook URL.")
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(
        blank=True, help_text="The plain-text email, or the webhook's JSON body."
    )
    html = models.TextField(blank=True)

    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField()
    # Failed tries are retried until then (NOTIFICATIONS_RETRY_FOR after the event).
    retry_until = models.DateTimeField()
    # A worker that claims a row owns it until then; a crashed worker's claim runs out.
    leased_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.UUIDField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_status_due_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event_id", "endpoint"],
                condition=Q(kind="webhook"),
                name="outbox_one_call_per_endpoint",
            ),
            models.UniqueConstraint(
                fields=["event_id", "recipient"],
                condition=Q(kind="email"),
                name="outbox_one_email_per_person",
            ),
            models.CheckConstraint(
                condition=Q(kind="email") | Q(endpoint__isnull=False),
                name="outbox_webhook_has_endpoint",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.event} to {self.recipient} ({self.status})"


class WebhookDeliveryManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(kind=MessageKind.WEBHOOK)


class WebhookDelivery(OutboxMessage):
    """The webhook calls of the outbox, for the admin."""

    objects = WebhookDeliveryManager()

    class Meta:
        proxy = True
        verbose_name_plural = "webhook deliveries"


class DeliveryAttempt(models.Model):
    """One try at sending an outbox message, and how it ended."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="tries")
    number = models.PositiveIntegerField()
    at = models.DateTimeField()
    ok = models.BooleanField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["message_id", "number"]

    def __str__(self):
        return f"Attempt {self.number} of {self.message_id}: {'ok' if self.ok else 'failed'}"
