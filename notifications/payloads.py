"""What a webhook carries: the unlock request in API.md's shape.

The API app has its own serializer for the same shape; this plain function keeps
the outbox free of DRF until the two are unified.
"""

import json
from datetime import UTC

from unlocks.links import approval_url


def _time(value):
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def request_dict(request) -> dict:
    """The request as API.md's `GET /api/v1/unlock-requests/{id}/` answers it."""
    targets = request.targets.select_related("batch", "invoice", "payment")
    return {
        "id": str(request.pk),
        "tenant": request.tenant.slug,
        "status": request.status,
        "targets": [
            {
                "type": t.record_type,
                "number": t.number,
                "state": t.record.state if t.record else t.state_at_open,
                "warnings": list(t.warnings),
            }
            for t in targets
        ],
        "caller": {
            "name": request.caller_name,
            "email": request.caller_email,
            "is_tenant_admin": request.caller_is_tenant_admin,
        },
        "channel": request.channel,
        "reason": request.reason,
        "ticket": request.ticket,
        "approval_url": approval_url(request),
        "created_at": _time(request.created_at),
        "expires_at": _time(request.expires_at),
        "approved_by": request.approved_by.email if request.approved_by_id else None,
        "approved_at": _time(request.approved_at),
        "consent_version": request.consent_version,
        "completed_at": _time(request.completed_at),
    }


def webhook_body(event: str, request) -> str:
    """The exact JSON text POSTed (and signed) for an event."""
    payload = {"event": f"unlock_request.{event}", "request": request_dict(request)}
    return json.dumps(payload, separators=(",", ":"), sort_keys=True)
