from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Tenant
from unlocks.links import approval_token
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for, verify


def test_it_lists_the_tenants_requests_with_links_to_approve_and_receipts(
    client, admin, tenant, unlock, plain_unlock
):
    verify(plain_unlock, admin)
    client.force_login(admin)
    response = client.get("/requests/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"/approve/{approval_token(unlock)}/" in page
    assert f"/receipts/{plain_unlock.pk}/" in page
    # An approved request says what its unlock is now, not plain "Completed".
    assert "Pending" in page and "Unlocked</span>" in page and "Completed" not in page
    assert "Unlocked until" in page
    assert "no-store" in response["Cache-Control"]


def test_it_never_lists_another_tenants_requests(client, admin, other_admin, unlock):
    theirs = open_for(
        Tenant.objects.get(slug="birch"),
        f.imported_invoice(Tenant.objects.get(slug="birch")),
        caller_email="kim@birch.test",
        reason="Theirs only",
    )
    client.force_login(admin)
    page = client.get("/requests/").content.decode()
    assert "Theirs only" not in page and str(theirs.pk) not in page
    client.force_login(other_admin)
    page = client.get("/requests/").content.decode()
    assert "Theirs only" in page and "Bypassed by mistake" not in page


def test_a_member_sees_a_clear_refusal(client, member, unlock):
    client.force_login(member)
    response = client.get("/requests/")
    assert response.status_code == 403
    assert b"You are not an admin of any customer account" in response.content


def test_it_lists_in_a_fixed_number_of_queries(client, admin, tenant):
    for _ in range(5):
        open_for(tenant, f.imported_invoice(tenant))
    client.force_login(admin)
    client.get("/requests/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/requests/")
    assert response.status_code == 200
    # session + user, tenants, count, requests, targets, approvals
    # With the header's one question: does the person administer an account?
    assert len(queries) == 8, [q["sql"] for q in queries]


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get("/requests/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/requests/"


def test_a_pending_request_past_its_time_shows_as_expired_without_a_link(client, admin, unlock):
    type(unlock).objects.filter(pk=unlock.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    client.force_login(admin)
    page = client.get("/requests/").content.decode()
    assert "Expired" in page and "/approve/" not in page
