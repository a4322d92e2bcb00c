"""What a webhook carries: the unlock request in API.md's shape, from the API's serializer."""

import json

from unlocks.api.serializers import UnlockRequestOut


def request_dict(request) -> dict:
    """The request as API.md's `GET /api/v1/unlock-requests/{id}/` answers it."""
    return json.loads(json.dumps(UnlockRequestOut(request).data))


def webhook_body(event: str, request) -> str:
    """The exact JSON text POSTed (and signed) for an event."""
    payload = {"event": f"unlock_request.{event}", "request": request_dict(request)}
    return json.dumps(payload, separators=(",", ":"), sort_keys=True)
