"""Records and requests carry what people confirm them by: customer, amount, currency, date,
and the total at stake; amounts as exact decimal strings."""

from accounts.models import Tenant
from unlocks.tests.api.conftest import open_request
from unlocks.tests.api.test_verify import verify


def record(api, path, tenant="acme"):
    response = api.get(f"/api/v1/tenants/{tenant}/records/{path}/")
    assert response.status_code == 200
    return response.json()


def test_a_transaction_carries_its_customer_amount_currency_and_date(api):
    data = record(api, "invoice/INV-1001")

    assert data["customer"] == "Jones Residence"
    assert data["amount"] == "410.00"
    assert data["currency"] == "USD"
    assert data["date"] == "2026-11-03"
    assert data["transaction_count"] is None
    assert data["total"] is None


def test_a_batch_carries_how_many_transactions_it_holds_and_their_total(api):
    data = record(api, "batch/B-1001")

    assert data["transaction_count"] == 3
    assert data["total"] == "1637.50"
    assert data["currency"] == "USD"
    assert (data["customer"], data["amount"], data["date"]) == (None, None, None)


def test_an_empty_batch_totals_zero(api):
    data = record(api, "batch/B-0999")

    assert (data["transaction_count"], data["total"]) == (0, "0.00")


def test_amounts_are_strings_never_json_numbers(api):
    opened = open_request(api, ("batch", "B-1001"), ("payment", "PAY-2002"))

    assert isinstance(opened["total"], str)
    assert all(
        isinstance(t[key], str) for t in opened["targets"] for key in ("amount", "total") if t[key]
    )


def test_a_request_carries_the_total_it_puts_at_stake(api):
    opened = open_request(
        api, ("batch", "B-1001"), ("invoice", "INV-1001"), ("payment", "PAY-2002")
    )

    # INV-1001 is in B-1001: counted once, in the batch's total.
    assert (opened["transaction_count"], opened["total"], opened["currency"]) == (
        4,
        "1837.50",
        "USD",
    )
    assert [t.get("amount") for t in opened["targets"]] == [None, "410.00", "200.00"]


def test_the_list_and_the_approval_answer_carry_the_total_too(api):
    opened = open_request(api, ("batch", "B-1001"))

    listed = api.get("/api/v1/unlock-requests/?tenant=acme").json()["results"]
    approved = verify(api, opened["id"]).json()

    assert [r["total"] for r in listed] == ["1637.50"]
    assert (approved["status"], approved["total"]) == ("completed", "1637.50")


def test_the_approvals_audit_entry_holds_the_total_at_stake(api):
    opened = open_request(api, ("batch", "B-1001"))
    approved = verify(api, opened["id"]).json()

    entries = api.get(f"/api/v1/audit/?request={opened['id']}&action=request_approved").json()[
        "results"
    ]

    assert [e["data"] for e in entries] == [
        {
            "approver": "pat@acme.test",
            "approved_with": ["pin"],
            "transactions": 3,
            "total": "1637.50",
            "currency": "USD",
            "window_hours": 72,
            "unlocked_until": approved["unlocked_until"].replace("Z", "+00:00"),
            "approvals": ["pat@acme.test"],
        }
    ]


def test_a_tenant_in_another_currency_answers_in_it(api):
    Tenant.objects.filter(slug="birch").update(currency="EUR")

    data = record(api, "invoice/INV-3001", tenant="birch")
    opened = open_request(api, ("batch", "B-2001"), tenant="birch")

    assert (data["amount"], data["currency"]) == ("310.00", "EUR")
    assert (opened["total"], opened["currency"]) == ("310.00", "EUR")
    assert {t["currency"] for t in opened["targets"]} == {"EUR"}
