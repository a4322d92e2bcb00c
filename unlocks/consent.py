"""The consent text an approving admin accepts, word for word (SPEC rule 7)."""

import hashlib
import json

from django.db import IntegrityError, transaction

from unlocks import money
from unlocks.models import ConsentText

STATEMENT_FORMAT = "unlock-desk-consent/1"

CONSENT_V1 = (
    "We are confirming that this action is being taken at your direction and that you "
    "have sole responsibility for ensuring that the appropriate financial changes are "
    "being made in QuickBooks. ServiceTitan is unable to assist with or verify that these "
    "changes are made in QuickBooks, and therefore assumes no liability."
)


def current_consent() -> ConsentText:
    """The consent text in force: the highest version."""
    consent = ConsentText.objects.order_by("-version").first()
    if consent is None:
        # A migration writes version 1; this only refills a database emptied since.
        try:
            with transaction.atomic():
                consent = ConsentText.objects.create(version=1, text=CONSENT_V1)
        except IntegrityError:
            consent = ConsentText.objects.order_by("-version").first()
    return consent


def consent_statement(request, consent) -> dict:
    """What an approver's passkey signs (SPEC rule 12): the consent text's SHA-256, the
    request and its targets with the amounts shown (a batch's total). Its hash is the
    WebAuthn challenge, so the assertion proves the approver's authenticator agreed to
    exactly this; tools/verify_evidence.py derives it again from the bundle."""
    targets = []
    for target in request.targets.with_money().order_by("pk"):
        cents = target.total_cents if target.is_batch else target.amount_cents
        targets.append(
            {
                "type": target.record_type,
                "number": target.number,
                "amount": str(money.decimal_amount(cents or 0)),
            }
        )
    return {
        "format": STATEMENT_FORMAT,
        "consent_sha256": consent.sha256,
        "request": str(request.pk),
        "targets": targets,
    }


def statement_challenge(statement) -> bytes:
    """SHA-256 of the statement's compact JSON (sorted keys, UTF-8)."""
    encoded = json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).digest()
