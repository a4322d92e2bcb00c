"""Who did a thing, and from where: carried into every audit entry."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    kind: str  # agent | tenant_user | api_client | system
    label: str
    user_id: int | None = None
    api_client_id: int | None = None
    ip: str = ""
    user_agent: str = ""
    request_id: str = ""

    @classmethod
    def system(cls, label="system"):
        return cls(kind="system", label=label)

    @classmethod
    def for_user(cls, user, **context):
        kind = "agent" if user.is_staff else "tenant_user"
        return cls(kind=kind, label=user.email, user_id=user.pk, **context)

    @classmethod
    def for_api_client(cls, client, **context):
        return cls(kind="api_client", label=client.name, api_client_id=client.pk, **context)


def request_context(http_request):
    """The client IP, user agent and request id of an HTTP request, for an Actor."""
    meta = http_request.META
    return {
        "ip": meta.get("REMOTE_ADDR", "")[:45],
        "user_agent": meta.get("HTTP_USER_AGENT", "")[:300],
        "request_id": getattr(http_request, "request_id", "")
        or meta.get("HTTP_X_REQUEST_ID", "")[:64],
    }
