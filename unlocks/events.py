"""What happens after an unlock request changes: notifications and webhooks.

Called inside the transaction of the change; anything sent is sent only after commit.
"""

from notifications.services import record_event


def request_event(event: str, request, *, admins=None) -> None:
    """A request was created, completed, refused, cancelled, expired, or its PIN locked.

    The emails and webhook calls are written to the outbox in this transaction, so
    they exist exactly when the change does; they are enqueued once it commits.
    `admins`: the tenant's admins, where the change has read them already.
    """
    record_event(event, request, admins=admins)
