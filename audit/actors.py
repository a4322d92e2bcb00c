"""Who did a thing, and from where: carried into every audit entry."""

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Actor:
    kind: str  # agent | tenant_user | api_client | system
    label: str
    user_id: int | None = None
    api_client_id: int | None = None
    ip: str = ""
    user_agent: str = ""
    request_id: str = ""

    @property
    def in_logs(self):
        """How a log line names the actor: kind and id ("agent:12"), never an address."""
        number = self.user_id or self.api_client_id
        return f"{self.kind}:{number}" if number else self.kind

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


def client_ip(request):
    """The client's address: REMOTE_ADDR, or the hop NUM_PROXIES trusted proxies saw."""
    if settings.NUM_PROXIES:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        # Only the entries our own proxies appended can be trusted: count from the right.
        if len(hops) >= settings.NUM_PROXIES:
            return hops[-settings.NUM_PROXIES][:45]
    return request.META.get("REMOTE_ADDR", "")[:45]


def request_context(http_request):
    """The client IP, user agent and request id of an HTTP request, for an Actor."""
    return {
        "ip": client_ip(http_request),
        "user_agent": http_request.META.get("HTTP_USER_AGENT", "")[:300],
        # Set by config.middleware.RequestIdMiddleware on every request.
        "request_id": getattr(http_request, "request_id", ""),
    }
