"""The consent text an approving admin accepts, word for word (SPEC rule 7)."""

from django.db import IntegrityError, transaction

from unlocks.models import ConsentText

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
