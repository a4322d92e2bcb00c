"""The PIN lock-out lives on the tenant row: every channel, a cache flush and a restart see it."""

import pytest
from django.core.cache import cache
from django.db import connections

from accounts.models import Tenant
from accounts.tests.factories import TenantFactory, admin_of
from audit.actors import Actor
from audit.models import AuditEntry
from core.refusals import Refusal
from unlocks.models import RequestStatus, UnlockRequest
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for, verify
from unlocks.tests.services.test_concurrent_approval import run_at_once

API_CLIENT = Actor(kind="api_client", label="helpdesk", api_client_id=1, ip="10.0.0.2")


def code_of(call):
    with pytest.raises(Refusal) as refusal:
        call()
    return refusal.value.code


def lock_out(tenant, admin):
    request = open_for(tenant, f.imported_invoice(tenant))
    codes = [code_of(lambda: verify(request, admin, pin="000000")) for _ in range(5)]
    assert codes[-1] == "pin_locked"
    return request


def test_the_lock_survives_a_cache_flush(tenant, admin):
    request = lock_out(tenant, admin)
    cache.clear()
    assert code_of(lambda: verify(request, admin)) == "pin_locked"


def test_a_lock_set_through_the_agent_holds_for_the_api_and_the_pin_page(tenant, admin):
    lee = admin_of(tenant, email="lee@acme.test")
    lock_out(tenant, admin)
    by_api = open_for(tenant, f.imported_invoice(tenant), channel="api", actor=API_CLIENT)
    on_pin_page = Actor.for_user(lee, ip="192.0.2.9")

    assert code_of(lambda: verify(by_api, lee, actor=API_CLIENT)) == "pin_locked"
    assert code_of(lambda: verify(by_api, lee, actor=on_pin_page)) == "pin_locked"
    assert code_of(lambda: verify(by_api, admin, actor=on_pin_page)) == "pin_locked"
    by_api.refresh_from_db()
    assert by_api.status == RequestStatus.PENDING


def test_wrong_pins_from_every_channel_add_up_to_one_lock(tenant, admin):
    lee = admin_of(tenant, email="lee@acme.test")
    agent_request = open_for(tenant, f.imported_invoice(tenant))
    api_request = open_for(tenant, f.imported_invoice(tenant), channel="api", actor=API_CLIENT)
    tries = [
        (agent_request, admin, None),
        (api_request, lee, API_CLIENT),
        (api_request, admin, Actor.for_user(admin)),
        (agent_request, lee, Actor.for_user(lee)),
        (api_request, admin, API_CLIENT),
    ]
    codes = [
        code_of(
            lambda r=r, who=who, a=a: verify(r, who, pin="000000", **({"actor": a} if a else {}))
        )
        for r, who, a in tries
    ]
    assert codes == ["pin_incorrect"] * 4 + ["pin_locked"]
    assert AuditEntry.objects.filter(tenant=tenant, action="pin_locked").count() == 1


def test_a_lock_on_one_tenant_leaves_another_alone(tenant, admin):
    lock_out(tenant, admin)
    other = TenantFactory()
    sam = admin_of(other)
    request = open_for(other, f.imported_invoice(other))
    assert verify(request, sam).status == RequestStatus.COMPLETED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_lock_survives_a_restart_with_new_connections_and_fresh_objects():
    tenant = TenantFactory()
    admin = admin_of(tenant)
    request_id = lock_out(tenant, admin).pk

    # What a restarted process has: no connection, no cache, nothing in memory.
    connections.close_all()
    cache.clear()
    del tenant

    request = UnlockRequest.objects.get(pk=request_id)
    assert Tenant.objects.get(pk=request.tenant_id).pin_locked_until is not None
    assert code_of(lambda: verify(request, admin)) == "pin_locked"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_guesses_from_every_channel_after_a_flush_stay_locked():
    tenant = TenantFactory()
    admins = [admin_of(tenant), admin_of(tenant)]
    requests = [open_for(tenant, f.imported_invoice(tenant)) for _ in range(4)]
    actors = [None, API_CLIENT, Actor.for_user(admins[0]), Actor.for_user(admins[1])]
    counter = iter(range(100))

    def guess():
        n = next(counter)
        actor = actors[n % 4]
        fields = {"actor": actor} if actor else {}
        return verify(requests[n % 4], admins[n % 2], pin=f"{n:06d}", **fields).status

    first = run_at_once(20, guess)
    cache.clear()
    connections.close_all()
    second = run_at_once(20, guess)

    assert first.count("pin_incorrect") == 4
    assert first.count("pin_locked") == 16
    assert second == ["pin_locked"] * 20
    assert AuditEntry.objects.filter(tenant=tenant, action="pin_incorrect").count() == 5
    assert AuditEntry.objects.filter(tenant=tenant, action="pin_locked").count() == 1
