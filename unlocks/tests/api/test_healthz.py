import pytest
from django.db.backends.utils import CursorWrapper


@pytest.mark.django_db
def test_it_reports_database_and_broker(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert (body["database"], body["broker"]) == ("ok", "ok")


@pytest.mark.django_db
def test_it_shows_api_clients_the_outbox_webhooks_and_queue_in_its_details(client):
    from accounts.services import create_api_client

    key = create_api_client(name="monitor")[1]
    details = client.get("/healthz", HTTP_AUTHORIZATION=f"Token {key}").json()["details"]

    assert details["outbox"]["emails"] == {"pending": 0, "due": 0, "failed": 0, "delivered": 0}
    assert details["webhook_endpoints"] == {"active": 0}
    assert "length" in details["queue"]


@pytest.mark.django_db
def test_it_reports_an_unreachable_broker_and_stays_up(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["broker"] == "unavailable"


@pytest.mark.django_db
def test_it_answers_503_when_the_database_is_down(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionError("database is down")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert response.json()["details"] is None


@pytest.mark.django_db
def test_it_needs_no_credentials(client):
    assert client.get("/healthz", HTTP_AUTHORIZATION="Token wrong").status_code == 200


@pytest.mark.django_db
def test_it_shows_no_details_to_anonymous_callers(client):
    assert client.get("/healthz").json()["details"] is None
    assert client.get("/healthz", HTTP_AUTHORIZATION="Token wrong").json()["details"] is None
