"""The webhook signature helpdesk receivers check (API.md, "Webhooks")."""

import hashlib
import hmac

HEADER = "X-Unlock-Signature"


def signature(body: bytes, secret: str) -> str:
    """`sha256=<hex HMAC-SHA256 of the raw body>`, as sent in X-Unlock-Signature."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signature_matches(body: bytes, secret: str, header_value: str) -> bool:
    """What a receiver does: compare in constant time."""
    return hmac.compare_digest(signature(body, secret), header_value or "")
