"""The staff half of SPEC rule 12: a staff session finishes signing in with a factor."""

from accounts.rules import staff_second_factor_missing


def test_a_staff_session_without_a_factor_is_refused_only_where_required():
    assert staff_second_factor_missing(is_staff=True, verified=False, required=False) is None
    assert staff_second_factor_missing(is_staff=False, verified=False, required=True) is None
    assert staff_second_factor_missing(is_staff=True, verified=True, required=True) is None
    refusal = staff_second_factor_missing(is_staff=True, verified=False, required=True)
    assert refusal.code == "sign_in_incomplete"
