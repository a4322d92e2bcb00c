"""The account PIN: the rules of a new one, peppered with a server-side secret, hashed
with Argon2.

A PIN that works is 4 to 10 digits (PIN_PATTERN): PINs set before the rules of a new PIN
existed keep working until they are changed. A new PIN must pass every rule below; each is a plain
function that returns the refusal (a `Refusal`, with a code and a sentence saying
why) or None, and `accounts.services.set_pin`, the one door that changes a PIN, asks
them all. The pages and the command only show what it answers.
"""

import hashlib
import hmac
import re
from datetime import date
from itertools import pairwise

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from core.refusals import Refusal

# The shortest and longest PIN that works: what every door that takes one lets through.
PIN_MIN_DIGITS = 4
PIN_MAX_DIGITS = 10
PIN_PATTERN = re.compile(rf"^[0-9]{{{PIN_MIN_DIGITS},{PIN_MAX_DIGITS}}}$")

# A new PIN is longer: what the settings page, its rules and its refusals all say, from here.
NEW_PIN_MIN_DIGITS = 6
NEW_PIN_MAX_DIGITS = PIN_MAX_DIGITS
NEW_PIN_PATTERN = re.compile(f"[0-9]{{{NEW_PIN_MIN_DIGITS},{NEW_PIN_MAX_DIGITS}}}")
NEW_PIN_LENGTH_IN_WORDS = f"{NEW_PIN_MIN_DIGITS} to {NEW_PIN_MAX_DIGITS} digits"

# The PINs people choose most: every password of 6 to 10 digits among the 30,000 most
# common ones of Mark Burnett's ten million published passwords (Xato, 2015), as
# zxcvbn ships them (the `zxcvbn` package's frequency list "passwords", MIT licence,
# pinned in requirements.txt): 1,481 PINs, from 123456 to 0987654321. The patterns below
# catch what the list misses, as "This PIN Can Be Easily Guessed" (Markert, Bailey, Golla,
# Dürmuth and Aviv, IEEE S&P 2020) found people pick PINs: repeats, mirrors, keypad
# lines, steps and dates.
COMMON_PINS = frozenset(
    password
    for password in FREQUENCY_LISTS["passwords"]
    if password.isdigit() and NEW_PIN_MIN_DIGITS <= len(password) <= NEW_PIN_MAX_DIGITS
)

# The rules in words, as the settings page and the command say them.
NEW_PIN_RULES_IN_WORDS = (
    f"{NEW_PIN_LENGTH_IN_WORDS}, nothing else;",
    "not one digit repeated (such as 444444), or one digit away from that (000001);",
    "not a run of digits up or down (123456, 987654), or one digit away from one;",
    "not a pair or a few digits repeated (101010, 852852), nor the same read backwards (123321);",
    "not lines of the keypad (147258), nor numbers counted in steps (246810, 102030);",
    "not a date or a year and month (311299, 199001);",
    "not one of the PINs people choose most often (such as 123123 or 159753).",
)


def validate_pin(pin):
    """Refuse anything that is not a PIN at all (PIN_PATTERN): what a hash is made of."""
    if not isinstance(pin, str) or not PIN_PATTERN.match(pin):
        raise Refusal(
            "pin_format",
            f"The account PIN must be {PIN_MIN_DIGITS} to {PIN_MAX_DIGITS} digits (0-9), "
            "nothing else.",
        )


# ---------------------------------------------------------------- the rules of a new PIN


def not_six_to_ten_digits(pin):
    if isinstance(pin, str) and NEW_PIN_PATTERN.fullmatch(pin):
        return None
    return Refusal(
        "pin_format",
        f"A new account PIN must be {NEW_PIN_LENGTH_IN_WORDS} (0-9), nothing else.",
    )


def one_digit_repeated(pin):
    if len(set(pin)) > 1:
        return None
    return Refusal(
        "pin_repeated",
        "That PIN is one digit repeated, among the first anyone would guess. Choose digits "
        "that differ.",
    )


def _is_run(pin):
    # Counting 0 after 9, as on a keyboard's top row: 1234567890 is a run too.
    steps = {(int(b) - int(a)) % 10 for a, b in pairwise(pin)}
    return steps in ({1}, {9})


def a_run_of_digits(pin):
    if not _is_run(pin):
        return None
    return Refusal(
        "pin_run",
        "That PIN is a run of digits (up or down), among the first anyone would guess. "
        "Choose digits in no order.",
    )


def _one_away(pin, wanted):
    """Whether `pin` differs from a PIN `wanted` says yes to in exactly one digit."""
    for i in range(len(pin)):
        for digit in "0123456789":
            if digit != pin[i] and wanted(pin[:i] + digit + pin[i + 1 :]):
                return True
    return False


def one_digit_from_a_pattern(pin):
    """000001, 100000, 123457: a repeat or a run with one digit changed."""
    if not _one_away(pin, lambda p: len(set(p)) == 1 or _is_run(p)):
        return None
    return Refusal(
        "pin_nearly_a_pattern",
        "That PIN is one digit away from a digit repeated or a run of digits, which people "
        "try right after those. Choose digits in no order.",
    )


def a_repeated_block(pin):
    """101010, 852852, 12341234: a few digits, said again and again."""
    repeated = any(
        len(pin) % size == 0 and pin == pin[:size] * (len(pin) // size)
        for size in range(2, len(pin) // 2 + 1)
    )
    if not repeated:
        return None
    return Refusal(
        "pin_repeated_block",
        "That PIN repeats the same few digits over again, among the first patterns anyone "
        "would try. Choose digits that do not repeat a block.",
    )


def a_mirror(pin):
    """123321, 112211: the same read backwards."""
    if pin != pin[::-1]:
        return None
    return Refusal(
        "pin_mirror",
        "That PIN reads the same backwards as forwards, a pattern people often pick. Choose "
        "another.",
    )


# The lines of a phone's keypad (1 2 3 / 4 5 6 / 7 8 9 / 0 under 8): rows, columns and
# diagonals, each either way.
_KEYPAD_LINES = {
    line
    for forward in ("123", "456", "789", "147", "258", "369", "2580", "159", "357")
    for line in (forward, forward[::-1])
}


def _keypad_lines(pin):
    """Whether `pin` is whole keypad lines one after another."""
    if not pin:
        return True
    return any(pin.startswith(line) and _keypad_lines(pin[len(line) :]) for line in _KEYPAD_LINES)


def keypad_lines(pin):
    """147258, 159357, 741852: lines drawn on the keypad."""
    if not _keypad_lines(pin):
        return None
    return Refusal(
        "pin_keypad",
        "That PIN follows lines of the keypad, a shape people draw with their thumb and try "
        "first. Choose digits that jump about.",
    )


# The steps people count in: by up to a dozen, or by fives and tens (5 10 15, 10 20 30).
_STEPS = [sign * size for size in sorted({*range(1, 13), *range(15, 100, 5)}) for sign in (1, -1)]


def _counts_in_steps(pin):
    """Whether `pin` is numbers counted up or down in one step, written one after another
    (2 4 6 8 10, 10 20 30, 5 10 15 20), or digits stepping round the dial (135790)."""
    if len(set((int(b) - int(a)) % 10 for a, b in pairwise(pin))) == 1:
        return True
    for width in (1, 2, 3):
        start = int(pin[:width])
        for step in _STEPS:
            written, n, terms = "", start, 0
            while len(written) < len(pin) and n >= 0:
                written, n, terms = written + str(n), n + step, terms + 1
            # Two numbers are always a step apart: counting takes three at least.
            if written == pin and terms >= 3:
                return True
    return False


def counted_in_steps(pin):
    if not _counts_in_steps(pin):
        return None
    return Refusal(
        "pin_steps",
        "That PIN counts up or down in steps, an easy pattern to guess. Choose digits in no order.",
    )


def _is_date(pin):
    """Whether `pin` reads as a date (day, month and year in any usual order, with a
    year of 2 or 4 digits) or as a year and month (199001, 011990)."""
    shapes = {
        6: ("DDMMYY", "MMDDYY", "YYMMDD", "YYYYMM", "MMYYYY"),
        8: ("DDMMYYYY", "MMDDYYYY", "YYYYMMDD"),
    }.get(len(pin), ())
    for shape in shapes:
        parts = {
            key: int(pin[shape.index(key) : shape.rindex(key) + 1]) for key in "DMY" if key in shape
        }
        day, month, year = parts.get("D", 1), parts["M"], parts["Y"]
        if "YYYY" in shape and not 1900 <= year <= 2099:
            continue
        try:
            date(year if "YYYY" in shape else 2000 + year, month, day)
        except ValueError:
            continue
        return True
    return False


def a_date(pin):
    if not _is_date(pin):
        return None
    return Refusal(
        "pin_date",
        "That PIN reads as a date, or a year and month: birthdays and anniversaries are "
        "among the first things anyone would try. Choose another.",
    )


def a_common_pin(pin):
    if pin not in COMMON_PINS:
        return None
    return Refusal(
        "pin_common",
        "That PIN is one of the PINs people choose most often, among the first anyone "
        "would guess. Choose another.",
    )


# In this order: a PIN that is not digits is judged by nothing else; the plainest
# pattern a PIN shows is the one its refusal names.
NEW_PIN_RULES = (
    not_six_to_ten_digits,
    one_digit_repeated,
    a_run_of_digits,
    a_repeated_block,
    a_mirror,
    keypad_lines,
    counted_in_steps,
    a_date,
    one_digit_from_a_pattern,
    a_common_pin,
)


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
