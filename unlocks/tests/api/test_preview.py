from unlocks.models import UnlockRequest
from unlocks.tests.api.conftest import NOT_SET_UP, error, targets


def preview(api, *pairs, tenant="acme"):
    return api.post(
        "/api/v1/unlock-requests/preview/",
        {"tenant": tenant, "targets": targets(*pairs)},
        format="json",
    )


def test_it_judges_acceptable_targets_and_creates_nothing(api):
    response = preview(api, ("batch", "B-1001"), ("invoice", "INV-2001"))

    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "targets": [
            {
                "type": "batch",
                "number": "B-1001",
                "state": "bypassed",
                "warnings": ["duplicate_risk"],
                "customer": None,
                "amount": None,
                "currency": "USD",
                "date": None,
                "transaction_count": 3,
                "total": "1637.50",
                "quickbooks": NOT_SET_UP,
            },
            {
                "type": "invoice",
                "number": "INV-2001",
                "state": "imported",
                "warnings": [],
                "customer": "Cedar Lane School",
                "amount": "99.00",
                "currency": "USD",
                "date": "2026-11-20",
                "transaction_count": None,
                "total": None,
                "quickbooks": NOT_SET_UP,
            },
        ],
        "refusals": [],
        "currency": "USD",
        "total": "1736.50",
        "transaction_count": 4,
        # Acme has no two-approver policy: one admin approves.
        "approvals_required": 1,
        "approvals_reason": None,
    }
    assert not UnlockRequest.objects.exists()


def test_it_lists_every_refusal_without_failing(api):
    response = preview(api, ("batch", "B-1002"), ("invoice", "INV-2002"), ("payment", "PAY-9"))

    assert response.status_code == 200
    data = response.json()
    assert data["ok"] is False
    assert [r["code"] for r in data["refusals"]] == [
        "unknown_record",
        "exported_batch",
        "not_locked",
    ]
    assert data["refusals"][1]["details"]["invoices"] == ["INV-1003"]


def test_it_accepts_the_whole_create_body(api):
    response = api.post(
        "/api/v1/unlock-requests/preview/",
        {
            "tenant": "acme",
            "targets": targets(("payment", "PAY-2002")),
            "caller": {"name": "Dana Ruiz", "email": "dana@acme.test"},
            "channel": "phone",
            "reason": "Typo",
        },
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["ok"] is True


def test_it_answers_404_for_an_unknown_tenant(api):
    response = preview(api, ("batch", "B-1001"), tenant="nobody")

    assert response.status_code == 404
    assert error(response) == "unknown_tenant"


def test_it_answers_400_for_a_malformed_body(api):
    response = api.post("/api/v1/unlock-requests/preview/", {"targets": []}, format="json")

    assert response.status_code == 400
    assert error(response) == "invalid"
    assert set(response.json()["error"]["details"]) == {"tenant", "targets"}
