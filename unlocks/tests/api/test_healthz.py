import pytest
from django.db.backends.utils import CursorWrapper


@pytest.mark.django_db
def test_it_reports_database_and_broker(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


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


@pytest.mark.django_db
def test_it_needs_no_credentials(client):
    assert client.get("/healthz", HTTP_AUTHORIZATION="Token wrong").status_code == 200
