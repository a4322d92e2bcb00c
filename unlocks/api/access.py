"""Who may call the API, how often, and as whom their changes are audited."""

import logging

from django.conf import settings
from rest_framework.permissions import BasePermission
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiClient
from audit.actors import Actor, request_context

logger = logging.getLogger("unlocks.api")


def api_client_of(request):
    return request.auth if isinstance(request.auth, ApiClient) else None


class IsApiClientOrSupportAgent(BasePermission):
    """API clients may do everything the API offers; signed-in staff need the agent permission
    the view names in `required_permission`. Tenant users are never API users."""

    message = (
        "You are signed in but not allowed to do this. Ask an administrator for the "
        "support agent permissions."
    )

    def has_permission(self, request, view):
        if api_client_of(request) is not None:
            return True
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not user.is_staff or not user.is_active:
            return False
        required = getattr(view, "required_permission", None)
        if isinstance(required, dict):
            required = required.get(request.method)
        return required is None or user.has_perm(required)


class ApiClientRateThrottle(SimpleRateThrottle):
    """Per API client (or signed-in user), in the cache: Redis in production.

    The rate is read per call from settings.API_THROTTLE_RATE, not fixed at import.
    """

    scope = "api"

    def get_rate(self):
        return settings.API_THROTTLE_RATE

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except Exception:
            # The cache (Redis) is down. The throttle only paces clients, no guard depends
            # on it (the PIN lock-out is in the database), so let the call through.
            logger.warning("API throttle skipped: the cache is unavailable", exc_info=True)
            return True

    def get_cache_key(self, request, view):
        client = api_client_of(request)
        if client is not None:
            ident = f"client-{client.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


def actor_for(request):
    """The audit actor of an API call: the client (or staff user), with IP and user agent."""
    context = request_context(request._request)
    client = api_client_of(request)
    if client is not None:
        return Actor.for_api_client(client, **context)
    return Actor.for_user(request.user, **context)


def owner_of(request):
    """Whose idempotency keys these are: keys are scoped per client."""
    client = api_client_of(request)
    return f"api_client:{client.pk}" if client is not None else f"user:{request.user.pk}"
