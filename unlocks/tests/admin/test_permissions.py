import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from accounts.tests.factories import UserFactory
from unlocks.models import RequestStatus
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for

CONSOLE_PAGES = [
    "/admin/unlocks/unlockrequest/",
    "/admin/unlocks/unlockrequest/lookup/?q=B-1",
    "/admin/unlocks/unlockrequest/open/",
    "/admin/unlocks/batch/",
    "/admin/unlocks/invoice/",
    "/admin/unlocks/payment/",
    "/admin/unlocks/consenttext/",
    "/admin/audit/auditentry/",
    "/admin/audit/auditentry/export.csv",
    "/admin/audit/auditentry/verify/",
]


@pytest.mark.parametrize("url", CONSOLE_PAGES)
def test_staff_without_the_support_agents_group_get_nothing(staff_client, tenant, url):
    assert staff_client.get(url).status_code == 403


def test_staff_without_the_group_see_no_app_on_the_index(staff_client):
    response = staff_client.get("/admin/")
    assert response.status_code == 200
    assert response.context["app_list"] == []


def test_staff_without_the_group_cannot_act_on_a_request(staff_client, tenant, admin):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    base = f"/admin/unlocks/unlockrequest/{request.pk}"
    assert staff_client.get(f"{base}/change/").status_code == 403
    assert staff_client.post(f"{base}/cancel/", {"reason": "x"}).status_code == 403
    assert staff_client.post(f"{base}/verify/", {"pin": "1"}).status_code == 403
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING


@pytest.mark.parametrize("url", CONSOLE_PAGES)
def test_the_agent_reaches_every_console_page(agent_client, tenant, url):
    assert agent_client.get(url).status_code == 200


def test_a_signed_out_visitor_is_sent_to_sign_in(db):
    response = Client().get("/admin/unlocks/unlockrequest/lookup/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_an_agent_without_the_verify_permission_cannot_verify(agent, agent_client, tenant, admin):
    agent.groups.clear()
    agent.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_unlockrequest", "cancel_unlockrequest"])
    )
    request = open_for(tenant, f.bypassed_invoice(tenant))
    response = agent_client.get(f"/admin/unlocks/unlockrequest/{request.pk}/change/")
    assert response.context["verify_form"] is None and response.context["cancel_form"] is not None
    assert (
        agent_client.post(f"/admin/unlocks/unlockrequest/{request.pk}/verify/", {}).status_code
        == 403
    )


def test_records_and_requests_cannot_be_edited_or_deleted_in_the_admin(db, tenant):
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    batch = f.bypassed_batch(tenant)
    request = open_for(tenant, batch)
    assert client.get("/admin/unlocks/batch/add/").status_code == 403
    assert client.post(f"/admin/unlocks/batch/{batch.pk}/delete/").status_code == 403
    assert client.post(f"/admin/unlocks/unlockrequest/{request.pk}/delete/").status_code == 403
    assert client.get("/admin/unlocks/consenttext/add/").status_code == 403
    batch.refresh_from_db()
    assert batch.state == "bypassed"
