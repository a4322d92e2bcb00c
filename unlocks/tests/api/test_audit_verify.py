from audit.models import AuditEntry
from audit.tests.test_chain import _tamper
from unlocks.tests.api.conftest import error


def test_it_reports_an_intact_chain(api):
    response = api.get("/api/v1/audit/verify/?tenant=acme")

    assert response.status_code == 200
    assert response.json() == {
        "tenant": "acme",
        "ok": True,
        "entries": AuditEntry.objects.filter(tenant__slug="acme").count(),
        "first_bad_seq": None,
    }


def test_it_names_the_first_entry_that_does_not_fit(api):
    entry = AuditEntry.objects.get(tenant__slug="acme", seq=3)
    _tamper("UPDATE audit_auditentry SET data = %s WHERE id = %s", ['{"i": 99}', entry.pk])

    data = api.get("/api/v1/audit/verify/?tenant=acme").json()

    assert data["ok"] is False
    assert data["first_bad_seq"] == 3


def test_it_needs_a_tenant(api):
    response = api.get("/api/v1/audit/verify/")

    assert response.status_code == 400
    assert error(response) == "invalid"
    assert "tenant" in response.json()["error"]["details"]


def test_it_answers_404_for_an_unknown_tenant(api):
    response = api.get("/api/v1/audit/verify/?tenant=nobody")

    assert response.status_code == 404
    assert error(response) == "unknown_tenant"
