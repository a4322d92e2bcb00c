"""The account PIN: the rules of a new one, peppered with a server-side secret, hashed
with Argon2.

A PIN that works is 4 to 10 digits: PINs set before the rules of a new PIN existed keep
working until they are changed. A new PIN must pass every rule below; each is a plain
function that returns the refusal (a `Refusal`, with a code and a sentence saying
why) or None, and `accounts.services.set_pin`, the one door that changes a PIN, asks
them all. The pages and the command only show what it answers.
"""

import hashlib
import hmac
import re
from itertools import pairwise

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password

from core.refusals import Refusal

# The longest PIN there is: what every door that takes one lets through.
PIN_MAX_DIGITS = 10
PIN_PATTERN = re.compile(rf"^[0-9]{{4,{PIN_MAX_DIGITS}}}$")

NEW_PIN_MIN_DIGITS = 6
NEW_PIN_MAX_DIGITS = PIN_MAX_DIGITS
NEW_PIN_PATTERN = re.compile(f"[0-9]{{{NEW_PIN_MIN_DIGITS},{NEW_PIN_MAX_DIGITS}}}")

# The ten most common 6-digit PINs people chose in the study of Markert, Bailey, Golla,
# Dürmuth and Aviv, "This PIN Can Be Easily Guessed: Analyzing the Security of Smartphone
# Unlock PINs", IEEE Symposium on Security and Privacy 2020 (arXiv:2003.04868). Those
# that are one digit repeated or a run are refused by those rules first.
COMMON_PINS = frozenset(
    {
        "123456",
        "654321",
        "111111",
        "000000",
        "123123",
        "666666",
        "121212",
        "112233",
        "789456",
        "159753",
    }
)

# The rules in words, as the settings page and the command say them.
NEW_PIN_RULES_IN_WORDS = (
    f"{NEW_PIN_MIN_DIGITS} to {NEW_PIN_MAX_DIGITS} digits, nothing else;",
    "not one digit repeated (such as 444444);",
    "not a run of digits up or down (such as 123456 or 987654);",
    "not one of the most common PINs (such as 123123, 112233 or 159753).",
)


def validate_pin(pin):
    """Refuse anything that is not a PIN at all (4 to 10 digits): what a hash is made of."""
    if not isinstance(pin, str) or not PIN_PATTERN.match(pin):
        raise Refusal("pin_format", "The account PIN must be 4 to 10 digits (0-9), nothing else.")


# ---------------------------------------------------------------- the rules of a new PIN


def not_six_to_ten_digits(pin):
    if isinstance(pin, str) and NEW_PIN_PATTERN.fullmatch(pin):
        return None
    return Refusal(
        "pin_format",
        f"A new account PIN must be {NEW_PIN_MIN_DIGITS} to {NEW_PIN_MAX_DIGITS} digits "
        "(0-9), nothing else.",
    )


def one_digit_repeated(pin):
    if len(set(pin)) > 1:
        return None
    return Refusal(
        "pin_repeated",
        "That PIN is one digit repeated, among the first anyone would guess. Choose digits "
        "that differ.",
    )


def a_run_of_digits(pin):
    # Counting 0 after 9, as on a keyboard's top row: 1234567890 is a run too.
    steps = {(int(b) - int(a)) % 10 for a, b in pairwise(pin)}
    if steps not in ({1}, {9}):
        return None
    return Refusal(
        "pin_run",
        "That PIN is a run of digits (up or down), among the first anyone would guess. "
        "Choose digits in no order.",
    )


def a_common_pin(pin):
    if pin not in COMMON_PINS:
        return None
    return Refusal(
        "pin_common",
        "That PIN is one of the most common PINs people choose, among the first anyone "
        "would guess. Choose another.",
    )


# In this order: a PIN that is not digits is judged by nothing else.
NEW_PIN_RULES = (not_six_to_ten_digits, one_digit_repeated, a_run_of_digits, a_common_pin)


def new_pin_refusal(pin):
    """The first rule of a new PIN that `pin` breaks, as a `Refusal`; None if it passes."""
    for rule in NEW_PIN_RULES:
        if (refusal := rule(pin)) is not None:
            return refusal
    return None


# ---------------------------------------------------------------- hashing


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
