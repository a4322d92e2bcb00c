"""The rules of signing in that are the accounts' own (SPEC.md rule 12, its staff half)."""

from core.refusals import Refusal


def staff_second_factor_missing(*, is_staff, verified, required):
    """SPEC 12: where STAFF_MFA_REQUIRED is on, a staff session signed in with a password
    alone reaches only the second-factor pages; None once it passed a factor."""
    if not required or not is_staff or verified:
        return None
    return Refusal(
        "sign_in_incomplete",
        "You signed in with your password alone. Finish signing in with your second factor "
        "at /accounts/second-factor/ (or set one up there), then try again.",
    )


def first_factor_needs_link(*, is_staff, holds_a_factor, link_used, required):
    """Where STAFF_ENROLMENT_BY_LINK is on, a staff member's first second factor is set up
    only in a session that opened the enrolment link emailed to them; None otherwise."""
    if not required or not is_staff or holds_a_factor or link_used:
        return None
    return Refusal(
        "enrolment_link_required",
        "Your first second factor is set up through the enrolment link emailed to your own "
        "address: open it, signed in, within 24 hours of getting it. No link, or an old one? "
        "Ask a support lead to send you a new one.",
    )
