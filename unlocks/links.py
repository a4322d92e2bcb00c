"""Approval links: a signed token that names an unlock request.

A request has exactly one link. Its token is stamped with the request's creation time, not
with the moment someone asks for it, so the API, the e-mail and the console all show the
same URL, and the link stops resolving once a request that old could no longer be alive.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "unlocks.approval-link"


class _StampedAtCreation(signing.TimestampSigner):
    def __init__(self, request):
        super().__init__(salt=SALT)
        self._stamp = signing.b62_encode(int(request.created_at.timestamp()))

    def timestamp(self):
        return self._stamp


def approval_token(request) -> str:
    return _StampedAtCreation(request).sign_object(str(request.pk))


def approval_url(request) -> str:
    return settings.SITE_URL + reverse("approve", args=[approval_token(request)])


def request_id_from_token(token: str):
    """The request id a token names, or None if it is forged or older than any request lives."""
    try:
        return signing.loads(token, salt=SALT, max_age=settings.UNLOCK_REQUEST_TTL)
    except signing.BadSignature:
        return None


def evidence_url(request) -> str:
    """Where a tenant admin downloads the approval's evidence bundle (from its receipt)."""
    return settings.SITE_URL + reverse("receipt_evidence", args=[request.pk])
