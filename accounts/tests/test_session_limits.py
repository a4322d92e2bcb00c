"""Sessions end (issue "Hardening found by attack", finding 5): staff, who can unlock any
tenant's books, after 12 hours and after 30 minutes idle; a tenant's people after 14 days
and 12 hours idle. Production's defaults; tried here with a moved clock."""

import pytest
from django.test import Client

PASSWORD = "pw-for-tests-1"


@pytest.fixture(autouse=True)
def _production_limits(settings):
    settings.STAFF_SESSION_HOURS = 12
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    settings.USER_SESSION_DAYS = 14
    settings.USER_SESSION_IDLE_HOURS = 12


def signed_in(user):
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


def test_a_staff_session_ends_after_30_minutes_idle(agent, clock):
    client = signed_in(agent)
    clock.move(minutes=29)
    assert client.get("/admin/").status_code == 200
    clock.move(minutes=29)
    assert client.get("/admin/").status_code == 200

    clock.move(minutes=31)
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    page = client.get(response["Location"]).content.decode()
    assert "You were signed out because nothing was done in it for more than 30 minutes" in page
    assert "_auth_user_id" not in client.session


def test_a_staff_session_ends_after_12_hours_however_busy(agent, clock):
    client = signed_in(agent)
    for _ in range(24):
        clock.move(minutes=29)
        assert client.get("/admin/").status_code == 200
    clock.move(minutes=29)  # 12 h 05 min after signing in
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_api_by_session_answers_401_once_it_ended(agent, clock):
    client = signed_in(agent)
    clock.move(minutes=31)
    response = client.get("/api/v1/unlock-requests/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "session_expired"


def test_a_tenant_users_session_lasts_longer(pat, clock):
    client = signed_in(pat)
    clock.move(hours=11)
    assert client.get("/requests/").status_code == 200
    clock.move(hours=13)
    response = client.get("/requests/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "signed out because nothing was done in it for more than 12 hours" in (
        client.get(response["Location"]).content.decode()
    )


def test_without_limits_a_session_lasts_as_django_keeps_it(agent, clock, settings):
    settings.STAFF_SESSION_HOURS = settings.STAFF_SESSION_IDLE_MINUTES = 0
    client = signed_in(agent)
    clock.move(hours=20)
    assert client.get("/admin/").status_code == 200
