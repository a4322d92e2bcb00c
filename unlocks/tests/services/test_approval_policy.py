"""A tenant's two-approver policy (SPEC rule 13), set by its own admins: tightening it applies
at once, loosening it (fewer unlocks need two) waits for a second admin, and nobody outside
its admins sets it."""

from datetime import timedelta

import pytest

from accounts.tests.factories import code_now, give_authenticator, wrong_code
from audit.models import AuditEntry
from core.refusals import Refusal
from notifications.models import OutboxMessage
from unlocks.models import PolicyChange, PolicyChangeStatus
from unlocks.services import policy
from unlocks.tests.conftest import AGENT


def refusal_of(call):
    with pytest.raises(Refusal) as info:
        call()
    return info.value


def set_policy(tenant, admin, dollars=None, batches=False, **kwargs):
    return policy.set_approval_policy(
        tenant=tenant,
        admin=admin,
        two_from_cents=None if dollars is None else dollars * 100,
        bypassed_batches=batches,
        actor=AGENT,
        **kwargs,
    )


def test_turning_it_on_applies_at_once_audited_and_the_other_admins_told(tenant, pat, lee):
    outcome = set_policy(tenant, pat, 1000)

    assert outcome.applied and outcome.waiting is None
    tenant.refresh_from_db()
    assert tenant.two_approvers_from_cents == 100000
    entry = AuditEntry.objects.get(tenant=tenant, action="approval_policy_set")
    assert entry.data["before"] == {"two_from_cents": None, "bypassed_batches": False}
    assert entry.data["after"] == {"two_from_cents": 100000, "bypassed_batches": False}
    told = OutboxMessage.objects.get(event="policy_set")
    assert told.recipient == lee.email
    assert "unlocks of $1,000.00 or more need two admins" in told.body


def test_tightening_it_applies_at_once(tenant, pat, lee):
    set_policy(tenant, pat, 1000)
    # A lower amount and the batch rule on: more unlocks need two admins.
    outcome = set_policy(tenant, pat, 500, batches=True)
    assert outcome.applied
    tenant.refresh_from_db()
    assert (tenant.two_approvers_from_cents, tenant.two_approvers_for_bypassed_batches) == (
        50000,
        True,
    )


@pytest.mark.parametrize(
    "lowered",
    [{"dollars": 2000}, {"dollars": None}, {"dollars": 1000, "batches": False}],
    ids=["a higher amount", "no amount", "batches off"],
)
def test_loosening_it_waits_for_a_second_admin(tenant, pat, lee, lowered):
    set_policy(tenant, pat, 1000, batches=True)

    outcome = set_policy(tenant, pat, **{"batches": True, **lowered})

    assert not outcome.applied and outcome.waiting is not None
    tenant.refresh_from_db()
    assert (tenant.two_approvers_from_cents, tenant.two_approvers_for_bypassed_batches) == (
        100000,
        True,
    )
    assert AuditEntry.objects.filter(tenant=tenant, action="approval_policy_proposed").exists()
    asked = OutboxMessage.objects.get(event="policy_proposed")
    assert asked.recipient == lee.email and "/settings/approvals/acme/" in asked.body


def test_the_admin_who_asked_cannot_approve_their_own_loosening(tenant, pat, lee):
    set_policy(tenant, pat, 1000)
    change = set_policy(tenant, pat, None).waiting

    refusal = refusal_of(
        lambda: policy.approve_policy_change(
            tenant=tenant, change_id=change.pk, admin=pat, actor=AGENT
        )
    )

    assert refusal.code == "already_approved_by_you"
    tenant.refresh_from_db()
    assert tenant.two_approvers_from_cents == 100000


def test_another_admin_approves_a_loosening_and_it_applies(tenant, pat, lee):
    set_policy(tenant, pat, 1000)
    change = set_policy(tenant, pat, None).waiting

    policy.approve_policy_change(tenant=tenant, change_id=change.pk, admin=lee, actor=AGENT)

    tenant.refresh_from_db()
    assert tenant.two_approvers_from_cents is None
    change.refresh_from_db()
    assert (change.status, change.decided_by) == (PolicyChangeStatus.APPLIED, lee)
    entry = AuditEntry.objects.filter(tenant=tenant, action="approval_policy_set").last()
    assert entry.data["asked_by"] == pat.email and entry.data["admin"] == lee.email
    refusal = refusal_of(
        lambda: policy.approve_policy_change(
            tenant=tenant, change_id=change.pk, admin=lee, actor=AGENT
        )
    )
    assert refusal.code == "policy_change_not_pending"


def test_either_admin_withdraws_a_waiting_loosening(tenant, pat, lee):
    set_policy(tenant, pat, 1000)
    change = set_policy(tenant, pat, None).waiting

    policy.withdraw_policy_change(tenant=tenant, change_id=change.pk, admin=lee, actor=AGENT)

    change.refresh_from_db()
    assert change.status == PolicyChangeStatus.WITHDRAWN
    assert policy.waiting_change(tenant) is None
    assert AuditEntry.objects.filter(tenant=tenant, action="approval_policy_withdrawn").exists()


def test_a_new_setting_replaces_a_waiting_loosening(tenant, pat, lee):
    set_policy(tenant, pat, 1000)
    first = set_policy(tenant, pat, 3000).waiting
    second = set_policy(tenant, lee, 2000).waiting

    first.refresh_from_db()
    assert first.status == PolicyChangeStatus.REPLACED
    assert policy.waiting_change(tenant) == second


def test_a_loosening_not_approved_within_a_week_lapses(tenant, pat, lee):
    set_policy(tenant, pat, 1000)
    change = set_policy(tenant, pat, None).waiting
    PolicyChange.objects.filter(pk=change.pk).update(
        proposed_at=change.proposed_at - timedelta(days=7)
    )
    assert policy.waiting_change(tenant) is None
    refusal = refusal_of(
        lambda: policy.approve_policy_change(
            tenant=tenant, change_id=change.pk, admin=lee, actor=AGENT
        )
    )
    assert refusal.code == "policy_change_not_pending"


def test_a_member_or_another_tenants_admin_cannot_set_it(tenant, pat, lee, dana, sam):
    assert refusal_of(lambda: set_policy(tenant, dana, 1000)).code == "not_tenant_admin"
    assert refusal_of(lambda: set_policy(tenant, sam, 1000)).code == "not_tenant_admin"
    tenant.refresh_from_db()
    assert tenant.two_approvers_from_cents is None


def test_two_admins_are_needed_before_it_can_be_turned_on(tenant, pat):
    refusal = refusal_of(lambda: set_policy(tenant, pat, 1000))
    assert refusal.code == "too_few_admins"


def test_an_amount_of_zero_is_refused(tenant, pat, lee):
    refusal = refusal_of(
        lambda: policy.set_approval_policy(
            tenant=tenant, admin=pat, two_from_cents=0, bypassed_batches=False, actor=AGENT
        )
    )
    assert refusal.code == "invalid"


def test_an_admin_holding_a_factor_gives_it_again(tenant, pat, lee):
    give_authenticator(lee)
    assert refusal_of(lambda: set_policy(tenant, lee, 1000)).code == "second_factor_required"
    wrong = refusal_of(lambda: set_policy(tenant, lee, 1000, code=wrong_code(lee)))
    assert wrong.code == "second_factor_incorrect"
    assert set_policy(tenant, lee, 1000, code=code_now(lee)).applied
