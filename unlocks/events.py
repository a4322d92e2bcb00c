"""Who hears what when an unlock request changes, and what they are told.

Called inside the transaction of the change: each email and the webhook body are
written here, whole, onto outbox rows of that transaction, so they exist exactly when
the change does and every retry sends the same bytes. The outbox hands them to Celery
once the transaction commits.
"""

import json
import uuid
from datetime import UTC

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.utils import timezone

from accounts.selectors import admin_users
from notifications import selectors as outbox_selectors
from notifications import services as outbox
from notifications.models import WEBHOOK_EVENTS
from unlocks.emails import TEMPLATES, write_emails, write_policy_emails
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
    """Opening mails each current admin the approval link; the first of two approvals mails
    the other admins the link again; completion mails each approver a receipt; a PIN
    lock-out, an unlock's window nearly over and its re-lock tell the admins. Other events
    send no email."""
    if event not in TEMPLATES:
        return []
    if event == "completed":
        # Each admin who approved it gets the receipt (rule 13: two, where it took two).
        return [a.approver for a in request.approvals_in_order] or [request.approved_by]
    admins = admin_users(tenant=request.tenant) if admins is None else list(admins)
    if event == "approval_recorded":
        # The tenant's other admins: one of them approves second.
        approved = {a.approver_id for a in request.approvals_in_order}
        return [person for person in admins if person.pk not in approved]
    return admins


def webhook_body(event: str, request, *, checkpoint=None) -> str:
    """The exact JSON text POSTed (and signed) for an event: the request as the API
    shows it, compact with sorted keys; "covered" names the checkpoint too."""
    # In UTC, as the API answers, whatever zone the page that made the change reads in.
    with timezone.override(UTC):
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


def policy_event(event: str, tenant, *, by, people, old, new, asked=None) -> None:
    """A tenant's two-approver policy was `set` (tightened: applied at once), a loosening
    `proposed` (it waits for a second admin), `approved` (applied) or `withdrawn`: tell
    `people` (its other admins), in the change's transaction."""
    if not people:
        return
    emails = write_policy_emails(event, tenant, people, by=by, old=old, new=new, asked=asked)
    # "policy_proposed": an outbox event's name is 20 characters at most.
    outbox.queue_emails(emails, event=f"policy_{event}", event_id=uuid.uuid4())
