from accounts.models import Tenant
from audit.actors import Actor
from audit.checkpoints import sign_checkpoints
from audit.models import AuditEntry
from audit.services import record_entry
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
        "checkpoint": None,
        "checkpoint_size": 0,
        "bad_checkpoint": None,
        "full": True,
    }


def test_it_checks_from_the_last_checkpoint_unless_asked_for_all(api):
    sign_checkpoints()
    record_entry(tenant=Tenant.objects.get(slug="acme"), action="pin_set", actor=Actor.system())
    total = AuditEntry.objects.filter(tenant__slug="acme").count()

    data = api.get("/api/v1/audit/verify/?tenant=acme").json()
    assert (data["ok"], data["entries"], data["checkpoint"]) == (True, 1, 1)
    assert (data["checkpoint_size"], data["full"]) == (total - 1, False)
    data = api.get("/api/v1/audit/verify/?tenant=acme&full=true").json()
    assert (data["ok"], data["entries"], data["full"]) == (True, total, True)


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
