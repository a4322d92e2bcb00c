import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from accounts.models import ApiClient, User
from accounts.services import create_api_client, revoke_api_client
from audit.models import AuditAction, AuditEntry
from unlocks.tests.api.conftest import OPEN_BODY, error, open_request


@pytest.fixture
def anonymous(books):
    return APIClient()


def test_it_answers_401_without_credentials(anonymous):
    response = anonymous.get("/api/v1/consent/")

    assert response.status_code == 401
    assert error(response) == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_it_answers_401_for_a_wrong_key(anonymous):
    anonymous.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")

    response = anonymous.get("/api/v1/consent/")

    assert response.status_code == 401
    assert error(response) == "authentication_failed"


def test_it_answers_401_for_a_malformed_header(anonymous):
    anonymous.credentials(HTTP_AUTHORIZATION="Token two parts")

    response = anonymous.get("/api/v1/consent/")

    assert response.status_code == 401
    assert error(response) == "authentication_failed"


def test_it_answers_401_for_a_revoked_key(api):
    revoke_api_client(client=ApiClient.objects.get(name="helpdesk-tests"))

    response = api.get("/api/v1/consent/")

    assert response.status_code == 401
    assert error(response) == "authentication_failed"


def test_a_new_client_works_with_the_key_shown_once(anonymous):
    client, key = create_api_client(name="zendesk-prod")
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    opened = open_request(anonymous, ("invoice", "INV-2001"))

    assert key not in ApiClient.objects.get(pk=client.pk).key_hash
    entry = AuditEntry.objects.get(request_id=opened["id"], action=AuditAction.REQUEST_OPENED)
    assert entry.actor_label == "zendesk-prod"
    assert entry.actor_api_client_id == client.pk


def test_a_support_agent_signed_in_may_use_it(agent_api):
    response = agent_api.post("/api/v1/unlock-requests/", OPEN_BODY, format="json")

    assert response.status_code == 201
    entry = AuditEntry.objects.get(request_id=response.json()["id"])
    assert entry.actor_kind == "agent"
    assert entry.actor_label == "avery@support.test"


def test_a_signed_in_agent_still_needs_a_csrf_token(books):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(User.objects.get(email="avery@support.test"))

    response = client.post("/api/v1/unlock-requests/", OPEN_BODY, format="json")

    assert response.status_code == 403
    assert error(response) == "permission_denied"


def test_a_tenant_user_is_not_an_api_user(books):
    client = APIClient()
    client.force_login(User.objects.get(email="pat@acme.test"))

    response = client.get("/api/v1/unlock-requests/")

    assert response.status_code == 403
    assert error(response) == "permission_denied"


def test_staff_without_the_agent_permission_is_refused(books):
    staff = User.objects.create_user(email="intern@support.example", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_unlockrequest"))
    client = APIClient()
    client.force_login(staff)

    assert client.get("/api/v1/unlock-requests/").status_code == 200
    response = client.post("/api/v1/unlock-requests/", OPEN_BODY, format="json")

    assert response.status_code == 403
    assert error(response) == "permission_denied"


def test_each_call_is_logged_with_its_caller(api, caplog):
    with caplog.at_level("INFO", logger="unlocks.api"):
        api.get("/api/v1/consent/")
        APIClient().get("/api/v1/consent/")

    assert "api GET /api/v1/consent/ 200 by helpdesk-tests from 203.0.113.7" in caplog.text
    assert "api GET /api/v1/consent/ 401 by anonymous" in caplog.text
