"""`Idempotency-Key` on state-changing POSTs (API.md): the same key with the same body
within 24 hours answers the first response again and changes nothing; the same key with
another body is 409 `idempotency_key_reused`.

The key's row is inserted first, in the same transaction as the change and its stored
response. A second identical call that arrives meanwhile blocks on that unique row until
the first commits, then reads and replays the first's response: one request is created.
"""

import functools
import hashlib
import json
import math
import re
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response

from core.refusals import Refusal
from unlocks.api.access import owner_of
from unlocks.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_LENGTH = 255

# Visible ASCII, no spaces: what survives every proxy unchanged. A UUID is a good choice.
KEY_PATTERN = re.compile(rf"^[!-~]{{1,{MAX_LENGTH}}}$")

PARAMETER = OpenApiParameter(
    HEADER,
    {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH, "pattern": "^[!-~]+$"},
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "A unique key per intended change (a UUID is a good choice). Retrying with the same "
        "key and body within 24 hours returns the first response and changes nothing; the "
        "same key with another body is 409 idempotency_key_reused."
    ),
)


class _Unstored(Exception):
    """Carries a response out of the transaction so that nothing of it is kept."""

    def __init__(self, response):
        self.response = response


def _fingerprint(request):
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _key_of(request):
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not KEY_PATTERN.match(key):
        raise Refusal(
            "invalid",
            f"The {HEADER} header must be 1 to {MAX_LENGTH} visible ASCII characters without "
            "spaces; a UUID is a good choice.",
            {HEADER: f"1 to {MAX_LENGTH} visible ASCII characters, no spaces."},
        )
    return key


def _claim(owner, key, fingerprint):
    """Insert the key's row; None if another call holds the key already."""
    try:
        with transaction.atomic():
            IdempotencyKey.objects.expired(timezone.now()).filter(owner=owner, key=key).delete()
            return IdempotencyKey.objects.create(owner=owner, key=key, fingerprint=fingerprint)
    except IntegrityError:
        return None


def _replay(owner, key, fingerprint):
    first = IdempotencyKey.objects.get(owner=owner, key=key)
    if first.fingerprint != fingerprint:
        raise Refusal(
            "idempotency_key_reused",
            f"This {HEADER} was used before with a different request. Use a new key for a "
            "new request, or resend exactly the first request to get its answer again.",
            {HEADER: key},
        )
    response = Response(first.response_body, status=first.status_code)
    response["Idempotent-Replayed"] = "true"
    error = (
        (first.response_body or {}).get("error") if isinstance(first.response_body, dict) else None
    )
    if error and error.get("code") == "pin_locked":
        # The header says how long the lock still holds, not how long it held then.
        until = datetime.fromisoformat(error["details"]["locked_until"])
        response["Retry-After"] = str(max(0, math.ceil((until - timezone.now()).total_seconds())))
    return response


def idempotent(view_method):
    """Make a state-changing APIView method answer retries with its first response."""

    @functools.wraps(view_method)
    def wrapper(view, request, *args, **kwargs):
        key = _key_of(request)
        if key is None:
            return view_method(view, request, *args, **kwargs)
        owner, fingerprint = owner_of(request), _fingerprint(request)
        try:
            with transaction.atomic():
                claimed = _claim(owner, key, fingerprint)
                if claimed is None:
                    return _replay(owner, key, fingerprint)
                try:
                    response = view_method(view, request, *args, **kwargs)
                except Exception as exc:
                    # Refusals are answers too (and their audit entries must stay): store them.
                    response = view.handle_exception(exc)
                if response.status_code >= 500:
                    raise _Unstored(response)
                claimed.status_code = response.status_code
                claimed.response_body = response.data
                claimed.save(update_fields=["status_code", "response_body"])
                return response
        except _Unstored as unstored:
            return unstored.response

    wrapper.idempotent = True
    return wrapper
