"""Who hears what when an unlock request changes, and what they are told.

Called inside the transaction of the change: each email and the webhook body are
written here, whole, onto outbox rows of that transaction, so they exist exactly when
the change does and every retry sends the same bytes. The outbox hands them to Celery
once the transaction commits.
"""

import json
import uuid

from django.conf import settings
from django.db.models import prefetch_related_objects

from accounts.selectors import admin_users
from notifications import selectors as outbox_selectors
from notifications import services as outbox
from notifications.models import WEBHOOK_EVENTS
from unlocks.emails import TEMPLATES, write_emails
from unlocks.representations import UnlockRequestOut
from unlocks.selectors import targets_with_money

# What a webhook names its event: "unlock_request.created" and so on.
EVENT_PREFIX = settings.NOTIFICATIONS_EVENT_PREFIX


def request_event(event: str, request, *, admins=None, checkpoint=None) -> None:
    """A request was created, completed, refused, cancelled, expired, re-locked, its window
    is nearly over, or its PIN locked:
    write its emails and webhook calls to the outbox, under one event id.

    `admins`: the tenant's admins, where the change has read them already; `checkpoint`:
    the signed checkpoint that covers an approval ("covered").
    """
    event = str(event)  # a RequestStatus where a close names the event by the new status
    people = recipients_for(event, request, admins=admins)
    endpoints = []
    if event in WEBHOOK_EVENTS:
        endpoints = outbox_selectors.endpoints_for(event=event, tenant_id=request.tenant_id)
    if not people and not endpoints:
        return
    # The emails and the body both list the targets, with their money: read once.
    prefetch_related_objects([request], targets_with_money())
    event_id = uuid.uuid4()
    if people:
        emails = write_emails(event, request, people)
        outbox.queue_emails(emails, event=event, event_id=event_id, reference=request.pk)
    if endpoints:
        outbox.queue_webhook(
            endpoints=endpoints,
            event=event,
            event_id=event_id,
            body=webhook_body(event, request, checkpoint=checkpoint),
            reference=request.pk,
        )


def recipients_for(event: str, request, *, admins=None) -> list:
    """Opening mails each current admin the approval link; completion mails the approver
    a receipt; a PIN lock-out, an unlock's window nearly over and its re-lock tell the
    admins. Other events send no email."""
    if event not in TEMPLATES:
        return []
    if event == "completed":
        return [request.approved_by]
    return admin_users(tenant=request.tenant) if admins is None else list(admins)


def webhook_body(event: str, request, *, checkpoint=None) -> str:
    """The exact JSON text POSTed (and signed) for an event: the request as the API
    shows it, compact with sorted keys; "covered" names the checkpoint too."""
    payload = {"event": f"{EVENT_PREFIX}{event}", "request": UnlockRequestOut(request).data}
    if checkpoint is not None:
        payload["checkpoint"] = {
            "id": checkpoint.pk,
            "number": checkpoint.number,
            "tree_size": checkpoint.tree_size,
            "key_id": checkpoint.key_id,
            "signed_at": checkpoint.signed_at.isoformat(),
        }
    return json.dumps(payload, separators=(",", ":"), sort_keys=True)
