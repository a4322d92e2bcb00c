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
