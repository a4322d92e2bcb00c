from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from core.refusals import Refusal
from unlocks import services
from unlocks.models import RequestStatus
from unlocks.tests import factories as f
from unlocks.tests.conftest import AGENT, open_for, verify


def test_it_cancels_a_pending_request_with_a_reason(tenant):
    request = open_for(tenant, f.imported_invoice(tenant))
    services.cancel_request(request_id=request.pk, reason="Customer fixed it", actor=AGENT)
    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED
    assert request.close_reason == "Customer fixed it"
    entry = AuditEntry.objects.get(request_id=request.pk, action="request_cancelled")
    assert (entry.state_before, entry.state_after) == ("pending", "cancelled")


def test_cancelling_needs_a_reason(tenant):
    request = open_for(tenant, f.imported_invoice(tenant))
    with pytest.raises(Refusal) as info:
        services.cancel_request(request_id=request.pk, reason=" ", actor=AGENT)
    assert info.value.code == "invalid"


def test_it_expires_requests_past_their_time_as_the_system(tenant):
    stale = open_for(tenant, f.imported_invoice(tenant))
    fresh = open_for(tenant, f.imported_invoice(tenant))
    stale.expires_at = timezone.now() - timedelta(minutes=1)
    stale.save()
    assert services.expire_requests() == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, fresh.status) == (RequestStatus.EXPIRED, RequestStatus.PENDING)
    entry = AuditEntry.objects.get(request_id=stale.pk, action="request_expired")
    assert entry.actor_kind == "system"


def test_expiring_twice_changes_nothing_more(tenant):
    stale = open_for(tenant, f.imported_invoice(tenant))
    stale.expires_at = timezone.now() - timedelta(minutes=1)
    stale.save()
    assert services.expire_requests() == 1
    assert services.expire_requests() == 0
    assert AuditEntry.objects.filter(action="request_expired").count() == 1


def test_requests_expire_after_the_configured_time(tenant, settings):
    settings.UNLOCK_REQUEST_TTL = timedelta(hours=2)
    request = open_for(tenant, f.imported_invoice(tenant))
    assert (
        timedelta(hours=1, minutes=59)
        < request.expires_at - request.created_at
        <= timedelta(hours=2)
    )


# ------------------------------------------------------------- every transition


def _completed(tenant, admin):
    return verify(open_for(tenant, f.imported_invoice(tenant)), admin)


def _cancelled(tenant, admin):
    r = open_for(tenant, f.imported_invoice(tenant))
    return services.cancel_request(request_id=r.pk, reason="no", actor=AGENT)


def _expired(tenant, admin):
    r = open_for(tenant, f.imported_invoice(tenant))
    r.expires_at = timezone.now() - timedelta(seconds=1)
    r.save()
    services.expire_requests()
    return r


def _refused(tenant, admin):
    invoice = f.imported_invoice(tenant)
    r = open_for(tenant, invoice)
    type(invoice).objects.filter(pk=invoice.pk).update(state="open")
    with pytest.raises(Refusal):
        verify(r, admin)
    return r


FINAL = {
    "completed": _completed,
    "cancelled": _cancelled,
    "expired": _expired,
    "refused": _refused,
}


@pytest.mark.parametrize("status", FINAL)
def test_pending_reaches_each_final_state(tenant, admin, status):
    request = FINAL[status](tenant, admin)
    request.refresh_from_db()
    assert request.status == status


@pytest.mark.parametrize("status", FINAL)
def test_nothing_leaves_a_final_state(tenant, admin, status):
    request = FINAL[status](tenant, admin)
    with pytest.raises(Refusal) as verifying:
        verify(request, admin)
    with pytest.raises(Refusal) as cancelling:
        services.cancel_request(request_id=request.pk, reason="again", actor=AGENT)
    assert services.expire_requests(now=timezone.now() + timedelta(days=2)) == 0
    assert verifying.value.code == cancelling.value.code == "request_not_pending"
    request.refresh_from_db()
    assert request.status == status


def test_a_refused_cancel_is_audited(tenant, admin):
    request = _completed(tenant, admin)
    with pytest.raises(Refusal):
        services.cancel_request(request_id=request.pk, reason="too late", actor=AGENT)
    entry = AuditEntry.objects.get(request_id=request.pk, action="cancel_refused")
    assert entry.code == "request_not_pending"
