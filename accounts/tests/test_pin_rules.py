"""The rules of a new account PIN (accounts/pins.py), as plain decisions."""

import pytest

from accounts.pins import (
    COMMON_PINS,
    a_common_pin,
    a_run_of_digits,
    hash_pin,
    new_pin_refusal,
    not_six_to_ten_digits,
    one_digit_repeated,
    pin_matches,
)


@pytest.mark.parametrize("pin", ["483920", "275194", "5839201", "9051827364", "193847"])
def test_it_accepts_a_pin_of_6_to_10_digits_without_a_pattern(pin):
    assert new_pin_refusal(pin) is None


@pytest.mark.parametrize(
    "pin",
    ["", "4839", "48392", "48392017365", "48392a", " 483920", "483920\n", "４８３９２０", 483920],
)
def test_it_refuses_anything_but_6_to_10_digits(pin):
    refusal = new_pin_refusal(pin)
    assert refusal.code == "pin_format"
    assert refusal.message == "A new account PIN must be 6 to 10 digits (0-9), nothing else."


@pytest.mark.parametrize("pin", ["000000", "444444", "7777777777"])
def test_it_refuses_one_digit_repeated(pin):
    assert new_pin_refusal(pin).code == "pin_repeated"
    assert "one digit repeated" in one_digit_repeated(pin).message


@pytest.mark.parametrize(
    "pin", ["123456", "987654", "0123456789", "1234567890", "0987654321", "890123"]
)
def test_it_refuses_a_run_up_or_down(pin):
    assert new_pin_refusal(pin).code == "pin_run"
    assert "a run of digits" in a_run_of_digits(pin).message


@pytest.mark.parametrize("pin", ["123457", "135791", "121314"])
def test_a_pin_with_a_run_inside_it_is_not_a_run(pin):
    assert a_run_of_digits(pin) is None


@pytest.mark.parametrize("pin", ["8675309", "4815162342", "7894561", "9379992", "3141592"])
def test_it_refuses_the_pins_people_choose_most(pin):
    assert new_pin_refusal(pin).code == "pin_common"
    assert "one of the PINs people choose most often" in a_common_pin(pin).message


def test_the_common_pins_are_the_published_lists_6_to_10_digit_ones():
    assert len(COMMON_PINS) > 1000
    assert all(pin.isdigit() and 6 <= len(pin) <= 10 for pin in COMMON_PINS)
    assert {"123456", "123123", "1234567890", "8675309"} <= COMMON_PINS


# The PINs an attack set through /settings/pin/ (issue "Hardening found by attack"), each
# refused now by the pattern it shows.
@pytest.mark.parametrize(
    "pin, code",
    [
        ("010101", "pin_repeated_block"),
        ("101010", "pin_repeated_block"),
        ("131313", "pin_repeated_block"),
        ("202020", "pin_repeated_block"),
        ("852852", "pin_repeated_block"),
        ("12341234", "pin_repeated_block"),
        ("123321", "pin_mirror"),
        ("112211", "pin_mirror"),
        ("147258", "pin_keypad"),
        ("159357", "pin_keypad"),
        ("741852963", "pin_keypad"),
        ("2580147", "pin_keypad"),
        ("246810", "pin_steps"),
        ("102030", "pin_steps"),
        ("5101520", "pin_steps"),
        ("3691215", "pin_steps"),
        ("199001", "pin_date"),
        ("311299", "pin_date"),
        ("25121999", "pin_date"),
        ("20011231", "pin_date"),
        ("000001", "pin_nearly_a_pattern"),
        ("100000", "pin_nearly_a_pattern"),
        ("123457", "pin_nearly_a_pattern"),
    ],
)
def test_it_refuses_the_patterns_people_use_and_says_which(pin, code):
    refusal = new_pin_refusal(pin)
    assert refusal.code == code
    assert pin not in refusal.message
    # It says the kind of pattern, never that the PIN is on someone's list.
    assert "list" not in refusal.message.lower()


def test_each_refusal_says_why_and_never_echoes_the_pin():
    for pin in ("12345", "444444", "123456", "112233", "420420", "199001", "123321"):
        refusal = new_pin_refusal(pin)
        assert refusal.message.endswith(".")
        assert pin not in refusal.message


def test_the_format_rule_is_judged_first():
    assert not_six_to_ten_digits("1111") is not None
    assert new_pin_refusal("1111").code == "pin_format"


def test_a_shorter_pin_set_before_the_rules_still_matches():
    # Existing 4- and 5-digit PINs keep working until an admin changes them.
    assert pin_matches(hash_pin("4839"), "4839")
    assert pin_matches(hash_pin("48392"), "48392")
