from urllib.parse import quote

from accounts.tests.factories import PIN
from unlocks.tests.pages.conftest import approve_path


def test_it_sends_a_visitor_to_sign_in_and_back(client, admin, unlock):
    path = approve_path(unlock)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={quote(path)}"

    response = client.post(
        "/accounts/login/", {"username": admin.email, "password": "pw-for-tests-1", "next": path}
    )
    assert response.status_code == 302
    assert response["Location"] == path
    assert client.get(path).status_code == 200


def test_it_tells_a_visitor_from_an_approval_link_why_to_sign_in(client, unlock):
    response = client.get(f"/accounts/login/?next={quote(approve_path(unlock))}")
    assert b"Sign in to review the unlock request you were sent" in response.content


def test_a_visitor_posting_a_pin_changes_nothing(client, unlock):
    response = client.post(approve_path(unlock), {"pin": PIN})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert PIN not in response["Location"]
    unlock.refresh_from_db()
    assert unlock.status == "pending"
