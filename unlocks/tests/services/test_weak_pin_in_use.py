"""A PIN in use that the rules of a new PIN would refuse now (a pattern, a common PIN, a
4-digit one from before) is found the next time it is given right, and its admins are
asked to change it; a new PIN ends that."""

import pytest

from accounts.pins import hash_pin
from accounts.services import set_pin
from audit.actors import Actor
from core.refusals import Refusal
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for, verify

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("weak", ["101010", "199001", "4839", "123654"])
def test_the_right_pin_that_is_easy_to_guess_flags_the_tenant(tenant, admin, weak):
    tenant.pin_hash = hash_pin(weak)
    tenant.save()

    verify(open_for(tenant, f.imported_invoice(tenant)), admin, pin=weak)

    tenant.refresh_from_db()
    assert tenant.pin_needs_change


def test_a_good_pin_leaves_no_flag_and_a_wrong_one_says_nothing(tenant, admin):
    request = open_for(tenant, f.imported_invoice(tenant))
    with pytest.raises(Refusal) as wrong:
        verify(request, admin, pin="101010")
    assert wrong.value.code == "pin_incorrect"
    tenant.refresh_from_db()
    assert not tenant.pin_needs_change
    verify(request, admin)
    tenant.refresh_from_db()
    assert not tenant.pin_needs_change


def test_setting_a_new_pin_clears_the_flag(tenant, admin, client):
    tenant.pin_needs_change = True
    tenant.save()
    client.force_login(admin)
    assert b"data-pin-needs-change" in client.get("/requests/").content
    assert b"data-pin-needs-change" in client.get(f"/settings/pin/{tenant.slug}/").content

    set_pin(tenant=tenant, pin="604812", actor=Actor.system("test"), admin=admin)

    tenant.refresh_from_db()
    assert not tenant.pin_needs_change
    assert b"data-pin-needs-change" not in client.get("/requests/").content
