"""What happens after an unlock request changes: notifications and webhooks.

Called inside the transaction of the change; anything sent is sent only after commit.
"""


def request_event(event: str, request) -> None:
    """A request was created, completed, refused, cancelled, expired, or its PIN locked."""
