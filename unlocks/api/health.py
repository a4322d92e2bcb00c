"""GET /healthz (API.md): 200 while the database answers, 503 when it does not.

Each check is one key of the body; add a key to CHECKS to report on more.
"""

from django.conf import settings
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from kombu import Connection
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications.selectors import health_details

OK, UNAVAILABLE = "ok", "unavailable"


def database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return UNAVAILABLE
    return OK


def broker():
    try:
        # The broker's own timeouts: a frozen Redis (accepting, never answering) reads as
        # unavailable within about a second, not never.
        with Connection(
            settings.CELERY_BROKER_URL,
            transport=settings.CELERY_BROKER_TRANSPORT,
            ssl=settings.CELERY_BROKER_USE_SSL,
            connect_timeout=settings.REDIS_TIMEOUT_SECONDS,
            transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        ) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=1)
    except Exception:
        return UNAVAILABLE
    return OK


CHECKS = {"database": database, "broker": broker}
# Without the database nothing works; without the broker, background work waits.
VITAL = {"database"}

HealthOut = inline_serializer(
    name="Health",
    fields={
        "database": serializers.ChoiceField(choices=[OK, UNAVAILABLE]),
        "broker": serializers.ChoiceField(choices=[OK, UNAVAILABLE]),
        "details": serializers.DictField(
            allow_null=True,
            help_text=(
                "Outbox, webhook and queue figures, for API clients and signed-in staff; "
                "null for anyone else and while the database is down."
            ),
        ),
    },
)


def may_see_details(request):
    """Operational figures are for API clients and support staff, not the open internet."""
    try:
        user = request.user
    except AuthenticationFailed:
        return False
    return request.auth is not None or (user.is_authenticated and user.is_staff)


class HealthView(APIView):
    # Authenticated as every API view is (an API key or a staff session), but lazily.
    permission_classes = [AllowAny]
    throttle_classes = []

    def perform_authentication(self, request):
        # Lazily, in may_see_details: bad credentials only hide the details, never a 401.
        pass

    @extend_schema(
        operation_id="healthz",
        summary="Is the service up? Database and broker",
        responses={200: HealthOut, 503: HealthOut},
    )
    def get(self, request):
        body = {name: check() for name, check in CHECKS.items()}
        healthy = all(body[name] == OK for name in VITAL)
        body["details"] = health_details() if healthy and may_see_details(request) else None
        return Response(body, status=200 if healthy else 503)
