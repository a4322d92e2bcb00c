import pytest

from audit.models import AuditEntry
from unlocks.tests import factories as f


@pytest.fixture
def tenant(db):
    from accounts.tests.factories import TenantFactory

    return TenantFactory(slug="acme")


def test_every_response_carries_a_fresh_request_id(client, db):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz", HTTP_X_REQUEST_ID="forged")["X-Request-ID"]
    assert len(first) == 32 and len(second) == 32 and first != second


def test_a_request_id_from_our_own_proxy_is_kept(client, db, settings):
    settings.NUM_PROXIES = 1
    assert client.get("/healthz", HTTP_X_REQUEST_ID="edge-42")["X-Request-ID"] == "edge-42"


def test_audit_entries_carry_the_request_id_and_the_proxied_client_address(
    client, tenant, settings
):
    settings.NUM_PROXIES = 1
    f.imported_invoice(tenant)
    response = client.post(
        "/api/v1/unlock-requests/",
        {
            "tenant": "acme",
            "targets": [{"type": "invoice", "number": "INV-NOPE"}],
            "caller": {"name": "D", "email": "d@x.example"},
            "channel": "phone",
            "reason": "r",
        },
        content_type="application/json",
        HTTP_AUTHORIZATION="Token " + _key(),
        HTTP_X_REQUEST_ID="edge-7",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert response.status_code == 404
    entry = AuditEntry.objects.get(action="open_refused")
    assert (entry.http_request_id, entry.ip) == ("edge-7", "203.0.113.9")


def _key():
    from accounts.services import create_api_client

    return create_api_client(name="test-client")[1]
