"""The account PIN: validated, peppered with a server-side secret, hashed with Argon2."""

import hashlib
import hmac
import re

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password

PIN_PATTERN = re.compile(r"^[0-9]{4,10}$")


class InvalidPin(ValueError):
    """The PIN given to set is not 4 to 10 digits."""


def validate_pin(pin):
    if not isinstance(pin, str) or not PIN_PATTERN.match(pin):
        raise InvalidPin("The account PIN must be 4 to 10 digits (0-9), nothing else.")


def _peppered(pin):
    # The pepper stays outside the database, so a stolen copy of it alone
    # cannot be searched for the few million possible PINs.
    return hmac.new(settings.PIN_PEPPER.encode(), pin.encode(), hashlib.sha256).hexdigest()


def hash_pin(pin):
    validate_pin(pin)
    return make_password(_peppered(pin), hasher="argon2")


def pin_matches(pin_hash, pin):
    """Whether `pin` is the PIN behind `pin_hash`; False for anything malformed."""
    if not pin_hash or not isinstance(pin, str) or not PIN_PATTERN.match(pin):
        # Spend the same effort either way, so timing tells nothing.
        make_password("x", hasher="argon2")
        return False
    return check_password(_peppered(pin), pin_hash)
