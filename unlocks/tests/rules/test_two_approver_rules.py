"""SPEC rule 13 as plain decisions: how many approvals an unlock needs and why, and which
changes of a policy loosen it (and so wait for a second admin)."""

import pytest

from unlocks.outlook import approvals_in_words, policy_in_words
from unlocks.rules import ApprovalPolicy, approvals_needed, loosens

OFF = ApprovalPolicy()
FROM_1000 = ApprovalPolicy(two_from_cents=100000)
BATCHES = ApprovalPolicy(bypassed_batches=True)


@pytest.mark.parametrize(
    ("policy", "cents", "batches", "required", "because"),
    [
        (OFF, 10**9, ["B-1"], 1, None),
        (FROM_1000, 99999, [], 1, None),
        (FROM_1000, 100000, [], 2, "amount"),
        (FROM_1000, 173000, ["B-1"], 2, "amount"),
        (BATCHES, 1, ["B-1"], 2, "bypassed_batch"),
        (BATCHES, 10**9, [], 1, None),
    ],
)
def test_how_many_approvals_and_why(policy, cents, batches, required, because):
    needed = approvals_needed(policy, cents, bypassed_batches=batches)
    assert (needed.required, needed.because) == (required, because)


def test_why_in_words():
    def words(policy, cents, batches=()):
        return approvals_in_words(approvals_needed(policy, cents, bypassed_batches=batches), "USD")

    assert (
        words(FROM_1000, 173000) == "2 approvals: $1,730.00 is over the account's $1,000.00 limit"
    )
    assert (
        words(FROM_1000, 100000) == "2 approvals: $1,000.00 reaches the account's $1,000.00 limit"
    )
    assert words(FROM_1000, 31000) == "1 approval: $310.00 is under the account's $1,000.00 limit"
    assert words(BATCHES, 5, ["B-2002"]) == (
        "2 approvals: the account's policy asks two admins for every bypassed batch (B-2002)"
    )
    assert words(OFF, 5) == "1 approval"
    assert policy_in_words(FROM_1000, "USD") == "unlocks of $1,000.00 or more need two admins"
    assert policy_in_words(OFF, "USD") == "one admin approves every unlock"


@pytest.mark.parametrize(
    ("old", "new", "loosened"),
    [
        (OFF, FROM_1000, False),
        (FROM_1000, ApprovalPolicy(two_from_cents=50000), False),
        (FROM_1000, ApprovalPolicy(two_from_cents=200000), True),
        (FROM_1000, OFF, True),
        (BATCHES, OFF, True),
        (BATCHES, ApprovalPolicy(two_from_cents=1, bypassed_batches=True), False),
        (ApprovalPolicy(100000, True), ApprovalPolicy(100000, False), True),
    ],
)
def test_which_changes_loosen_the_policy(old, new, loosened):
    assert loosens(old, new) is loosened
