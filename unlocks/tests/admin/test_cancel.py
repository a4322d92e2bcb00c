from audit.models import AuditEntry
from unlocks.models import RequestStatus
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for


def cancel_url(request):
    return f"/admin/unlocks/unlockrequest/{request.pk}/cancel/"


def test_it_cancels_with_the_reason_and_audits_the_agent(agent_client, agent, tenant):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    response = agent_client.post(cancel_url(request), {"reason": "Customer changed their mind"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED
    assert request.close_reason == "Customer changed their mind"
    entry = AuditEntry.objects.get(action="request_cancelled")
    assert (entry.actor_label, entry.ip) == (agent.email, "10.1.2.3")


def test_it_asks_for_a_reason(agent_client, tenant):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    response = agent_client.post(cancel_url(request), {"reason": ""})
    assert response.status_code == 200
    assert "reason" in response.context["cancel_form"].errors
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING


def test_it_says_a_closed_request_cannot_be_cancelled(agent_client, tenant):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    agent_client.post(cancel_url(request), {"reason": "first"})
    response = agent_client.post(cancel_url(request), {"reason": "again"}, follow=True)
    assert response.status_code == 200
    assert "This request is cancelled and can no longer change" in response.content.decode()


def test_the_timeline_ends_in_cancelled(agent_client, tenant):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    agent_client.post(cancel_url(request), {"reason": "Wrong record"})
    response = agent_client.get(f"/admin/unlocks/unlockrequest/{request.pk}/change/")
    assert [s.kind for s in response.context["timeline"]] == ["opened", "cancelled"]
    assert response.context["timeline"][-1].detail == "Wrong record"


def test_an_unknown_request_id_leads_back_to_the_list_with_a_message(agent_client, tenant):
    response = agent_client.post(
        "/admin/unlocks/unlockrequest/not-a-uuid/cancel/", {"reason": "x"}, follow=True
    )
    assert response.status_code == 200
    assert "There is no unlock request with the id" in response.content.decode()


def test_opening_the_cancel_address_leads_to_the_request_page(agent_client, tenant):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    response = agent_client.get(cancel_url(request))
    assert response.status_code == 302
    assert response["Location"] == f"/admin/unlocks/unlockrequest/{request.pk}/change/"
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING
    assert not AuditEntry.objects.filter(action="cancel_refused").exists()
