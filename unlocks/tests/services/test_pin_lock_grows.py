"""The PIN's lock-out grows: each lock within a day of the last lasts twice as long (15
minutes, 30, 60, ... up to a day), so a day allows a few dozen guesses, not hundreds. Each
lock is audited and emails the tenant's admins."""

from datetime import timedelta

import pytest

from audit.models import AuditEntry
from core.refusals import Refusal
from notifications.models import OutboxMessage
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for, verify

pytestmark = pytest.mark.django_db


def lock_out(request, admin):
    """Five wrong PINs; returns how long the lock the fifth made lasts."""
    for _ in range(5):
        with pytest.raises(Refusal) as refused:
            verify(request, admin, pin="604812")
    assert refused.value.code == "pin_locked"
    return refused.value.details["retry_after"]


def test_each_lock_within_a_day_lasts_twice_as_long(tenant, admin, lee, clock):
    request = open_for(tenant, f.imported_invoice(tenant))
    lasted = []
    for n in range(1, 5):
        seconds = lock_out(request, admin)
        lasted.append(seconds // 60)
        # Every lock tells the admins.
        told = OutboxMessage.objects.filter(event="pin_locked").values_list("recipient", flat=True)
        assert sorted(told) == sorted(["lee@acme.test", "pat@acme.test"] * n)
        clock.move(seconds=seconds + 1)
        request = open_for(tenant, f.imported_invoice(tenant))

    assert lasted == [15, 30, 60, 120]
    locks = AuditEntry.objects.filter(tenant=tenant, action="pin_locked").order_by("seq")
    assert [e.data["locks_in_a_row"] for e in locks] == [1, 2, 3, 4]


def test_a_day_of_guessing_allows_a_few_dozen_tries(tenant, admin, clock):
    start = clock.now
    tries = 0
    while clock.now - start < timedelta(days=1):
        request = open_for(tenant, f.imported_invoice(tenant))
        seconds = lock_out(request, admin)
        tries += 5
        clock.move(seconds=seconds + 1)
    assert tries <= 40


def test_a_lock_more_than_a_day_after_the_last_is_short_again(tenant, admin, clock):
    request = open_for(tenant, f.imported_invoice(tenant))
    assert lock_out(request, admin) // 60 == 15
    clock.move(hours=25)
    request = open_for(tenant, f.imported_invoice(tenant))
    assert lock_out(request, admin) // 60 == 15
