"""Approval links: a signed token that names an unlock request."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "unlocks.approval-link"


def approval_token(request) -> str:
    return signing.dumps(str(request.pk), salt=SALT)


def approval_url(request) -> str:
    return settings.SITE_URL + reverse("approve", args=[approval_token(request)])


def request_id_from_token(token: str):
    """The request id a token names, or None if it is forged or older than any request lives."""
    try:
        return signing.loads(token, salt=SALT, max_age=settings.UNLOCK_REQUEST_TTL)
    except signing.BadSignature:
        return None
