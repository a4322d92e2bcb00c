from accounts.models import ApiClient, User
from accounts.selectors import api_client_for_key
from accounts.services import create_api_client
from accounts.tests.factories import admin_of

CLIENTS = "/admin/accounts/apiclient/"


def test_creating_an_api_client_shows_its_key_once(superuser_client):
    response = superuser_client.post(f"{CLIENTS}add/", {"name": "zendesk"}, follow=True)
    assert response.status_code == 200
    client = ApiClient.objects.get(name="zendesk")
    shown = [str(m) for m in response.context["messages"]]
    assert len(shown) >= 1 and "never shown again" in shown[0]
    key = shown[0].split("The key of zendesk is ")[1].split(" ")[0]
    assert api_client_for_key(key) == client
    again = superuser_client.get(f"{CLIENTS}{client.pk}/change/")
    assert key not in again.content.decode()


def test_the_revoke_action_stops_a_key_from_working(superuser_client):
    client, key = create_api_client(name="helpdesk")
    response = superuser_client.post(
        CLIENTS, {"action": "revoke", "_selected_action": [client.pk]}, follow=True
    )
    assert response.status_code == 200
    client.refresh_from_db()
    assert client.revoked_at is not None
    assert api_client_for_key(key) is None


def test_the_tenant_page_never_shows_or_takes_the_pin(superuser_client, tenant):
    admin_of(tenant, email="pat@acme.test")
    response = superuser_client.get(f"/admin/accounts/tenant/{tenant.pk}/change/")
    assert response.status_code == 200
    content = response.content.decode()
    assert tenant.pin_hash not in content
    assert 'name="pin' not in content
    assert 'name="memberships-TOTAL_FORMS" value="1"' in content


def test_the_agent_sees_no_api_clients(agent_client):
    assert agent_client.get(CLIENTS).status_code == 403


def test_a_superuser_adds_a_support_agent_by_email(superuser_client):
    response = superuser_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "New.Agent@Support.test",
            "usable_password": "true",
            "password1": "a-long-pass-phrase-1",
            "password2": "a-long-pass-phrase-1",
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(email__iexact="new.agent@support.test").exists()
