"""A pending request past its expiry reads as expired everywhere in the console, before the
expiry job (or the next action) writes it so; a page view changes nothing."""

from datetime import timedelta

from django.utils import timezone

from audit.models import AuditEntry
from unlocks.models import RequestStatus, UnlockRequest
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for

LIST = "/admin/unlocks/unlockrequest/"


def overdue(request):
    UnlockRequest.objects.filter(pk=request.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    return request


def listed(client, **params):
    return [r.pk for r in client.get(LIST, params).context["cl"].result_list]


def assert_still_pending_in_the_database(request):
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING
    assert not AuditEntry.objects.filter(action="request_expired").exists()


def test_its_page_shows_it_expired_without_the_link_or_the_forms(agent_client, tenant):
    request = overdue(open_for(tenant, f.bypassed_invoice(tenant)))

    response = agent_client.get(f"{LIST}{request.pk}/change/")

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-status="expired"' in page and 'data-status="pending"' not in page
    assert "not approved in time" in page
    assert response.context["approval_url"] == ""
    assert "data-approval-link" not in page
    assert response.context["verify_form"] is None and response.context["cancel_form"] is None
    assert "Verify on the phone" not in page and "Cancel the request" not in page
    assert_still_pending_in_the_database(request)


def test_the_list_shows_it_expired(agent_client, tenant):
    request = overdue(open_for(tenant, f.bypassed_invoice(tenant)))

    response = agent_client.get(LIST)

    assert 'ud-badge ud-expired">Expired<' in response.content.decode()
    assert 'ud-pending">Pending<' not in response.content.decode()
    assert_still_pending_in_the_database(request)


def test_the_pending_filter_leaves_it_out_and_the_expired_filter_shows_it(agent_client, tenant):
    live = open_for(tenant, f.bypassed_invoice(tenant))
    late = overdue(open_for(tenant, f.bypassed_invoice(tenant)))
    gone = open_for(tenant, f.bypassed_invoice(tenant))
    UnlockRequest.objects.filter(pk=gone.pk).update(status=RequestStatus.EXPIRED)

    assert listed(agent_client, status__exact="pending") == [live.pk]
    assert sorted(listed(agent_client, status__exact="expired")) == sorted([late.pk, gone.pk])
    assert len(listed(agent_client)) == 3
    assert_still_pending_in_the_database(late)


def test_the_record_lookup_lists_it_as_expired_not_open(agent_client, tenant):
    invoice = f.bypassed_invoice(tenant)
    request = overdue(open_for(tenant, invoice))

    response = agent_client.get("/admin/unlocks/unlockrequest/lookup/", {"q": invoice.number})

    [card] = response.context["cards"]
    assert card["open_requests"] == []
    assert [r.pk for r in card["past_requests"]] == [request.pk]
    section = response.content.decode().split("<h3>Unlock requests</h3>")[1]
    assert "ud-expired" in section and "ud-pending" not in section
    assert_still_pending_in_the_database(request)
