"""`/`, the address the server prints at start, sends each person where their work is."""

import pytest

pytestmark = pytest.mark.django_db


def test_it_sends_anyone_signed_out_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_the_sign_in_page_links_the_console_and_the_api_docs(client):
    page = client.get("/accounts/login/?next=/").content.decode()
    assert 'href="/admin/"' in page
    assert 'href="/api/docs/"' in page


def test_it_sends_support_staff_to_the_work_queue(agent_client):
    response = agent_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert b"Waiting for approval" in agent_client.get("/admin/").content


def test_it_sends_a_tenant_admin_to_their_requests(client, pat):
    client.force_login(pat)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/requests/"


def test_it_sends_a_member_to_look_records_up(client, dana):
    client.force_login(dana)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/records/"


def test_signing_in_goes_through_the_front_door(client, dana):
    response = client.post(
        "/accounts/login/", {"username": dana.email, "password": "pw-for-tests-1"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_it_is_no_longer_djangos_page_not_found(client):
    assert b"Page not found" not in client.get("/", follow=True).content
