"""What a webhook carries: the unlock request in API.md's shape, as the API shows it."""

import json

from unlocks.api.serializers import UnlockRequestOut


def webhook_body(event: str, request) -> str:
    """The exact JSON text POSTed (and signed) for an event."""
    payload = {"event": f"unlock_request.{event}", "request": UnlockRequestOut(request).data}
    return json.dumps(payload, separators=(",", ":"), sort_keys=True)
