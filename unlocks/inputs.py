"""What people and programs may type into an unlock, said once.

The limits come from the model fields that store each value (or, for what is never
stored, from the rule that judges it); the services check them here, and the forms and
serializers of every door read them from here. Change a limit on its model field, and
every door follows.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from accounts.models import Tenant
from accounts.pins import PIN_MAX_DIGITS
from core.refusals import Refusal
from core.text import storable
from unlocks import rules
from unlocks.models import Channel, Invoice, RecordType, UnlockRequest


def _max_length(model, name):
    return model._meta.get_field(name).max_length


TENANT_SLUG = _max_length(Tenant, "slug")
RECORD_NUMBER = _max_length(Invoice, "number")
CALLER_NAME = _max_length(UnlockRequest, "caller_name")
CALLER_EMAIL = _max_length(UnlockRequest, "caller_email")
REASON = _max_length(UnlockRequest, "reason")
TICKET = _max_length(UnlockRequest, "ticket")
# Never stored (only its hash is): as long as the longest PIN (accounts.pins).
PIN = PIN_MAX_DIGITS
# An authenticator code is 6 digits; a recovery code is longer. Room for both, with blanks.
ADMIN_CODE = 64
WINDOW_MIN_HOURS = rules.WINDOW_MIN_HOURS
WINDOW_MAX_HOURS = rules.WINDOW_MAX_HOURS


def max_targets():
    """How many records one request may name (UNLOCK_MAX_TARGETS)."""
    return settings.UNLOCK_MAX_TARGETS


# ---------------------------------------------------------------- the checks


def invalid(field_name, message):
    return Refusal("invalid", f"The request is not valid: {message}", {field_name: message})


def target_specs(targets):
    """The (type, number) pairs `targets` names ([{"type", "number"}, ...]), each once."""
    if not isinstance(targets, (list, tuple)) or not targets:
        raise invalid("targets", "Name at least one record to unlock.")
    if len(targets) > max_targets():
        raise invalid("targets", f"At most {max_targets()} records fit in one request; split it.")
    specs = []
    for item in targets:
        record_type = item.get("type") if isinstance(item, dict) else None
        number = item.get("number") if isinstance(item, dict) else None
        if record_type not in RecordType.values:
            raise invalid("targets", "Each target's type must be batch, invoice or payment.")
        if not isinstance(number, str) or not number.strip() or len(number) > RECORD_NUMBER:
            raise invalid(
                "targets", f"Each target needs a record number of 1 to {RECORD_NUMBER} characters."
            )
        if not storable(number):
            raise invalid(
                "targets", "A record number holds a NUL byte or broken UTF-8; type it again."
            )
        spec = (RecordType(record_type), number.strip())
        if spec in specs:
            raise invalid("targets", f"{record_type} {number} is named twice; name it once.")
        specs.append(spec)
    return specs


def required_text(field_name, value, max_length, what):
    """`value` stripped, or the refusal: given, at most `max_length` long, storable."""
    if not isinstance(value, str) or not value.strip():
        raise invalid(field_name, f"Give {what}.")
    if len(value) > max_length:
        raise invalid(field_name, f"{what.capitalize()} is longer than {max_length} characters.")
    if not storable(value):
        raise invalid(
            field_name, f"{what.capitalize()} holds a NUL byte or broken UTF-8; type it again."
        )
    return value.strip()


def reason(value, what="a reason"):
    return required_text("reason", value, REASON, what)


def caller(name, email):
    """The caller's name and email (lower case), checked."""
    name = required_text("caller", name, CALLER_NAME, "the caller's name")
    email = required_text("caller", email, CALLER_EMAIL, "the caller's email").lower()
    try:
        EmailValidator()(email)
    except ValidationError:
        raise invalid("caller", "The caller's email is not an email address.") from None
    return name, email


def channel(value):
    if value not in Channel.values:
        raise invalid("channel", "The channel must be phone, email, chat or api.")
    return value


def ticket(value):
    """A helpdesk ticket id, or "" for none."""
    if value is None:
        return ""
    if not isinstance(value, str) or not storable(value):
        raise invalid("ticket", "The ticket id must be plain text, such as ZD-5521.")
    value = value.strip()
    if len(value) > TICKET:
        raise invalid("ticket", f"The ticket id is longer than {TICKET} characters.")
    return value
