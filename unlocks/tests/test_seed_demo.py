"""The demo dataset is exactly DEMO.md's, and its rows behave as DEMO.md says."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import ApiClient, Membership, Tenant, User
from accounts.pins import pin_matches
from accounts.selectors import api_client_for_key
from audit.actors import Actor
from audit.models import AuditEntry
from audit.selectors import verify_chain
from notifications.models import OutboxMessage
from unlocks import outlook
from unlocks.models import Batch, Invoice, Payment, UnlockRequest
from unlocks.selectors import batch_totals
from unlocks.tests.conftest import open_for, verify

pytestmark = pytest.mark.usefixtures("demo")


def snapshot():
    return {
        model.__name__: sorted(model.objects.values_list("pk", flat=True))
        for model in (User, Tenant, Membership, ApiClient, Batch, Invoice, Payment, AuditEntry)
    }


def test_running_it_again_changes_nothing():
    before = snapshot()
    call_command("seed_demo", verbosity=0)
    assert snapshot() == before


def test_every_transaction_has_a_customer_an_amount_and_a_date():
    for model in (Invoice, Payment):
        for customer, cents, day in model.objects.values_list("customer", "amount_cents", "date"):
            assert customer and cents > 0 and day.year == 2026
    jones = Invoice.objects.get(number="INV-1001")
    assert (jones.customer, jones.amount_cents) == ("Jones Residence", 41000)
    b1001 = Batch.objects.get(tenant__slug="acme-hvac", number="B-1001")
    assert batch_totals([b1001.pk]) == {b1001.pk: (3, 163750)}
    assert {t.currency for t in Tenant.objects.all()} == {"USD"}


def test_a_demo_seeded_before_transactions_had_money_gets_it_filled_in():
    Invoice.objects.filter(number__in=["INV-1001", "INV-3002"]).update(
        customer="", amount_cents=0, date=date(2026, 12, 1)
    )
    Payment.objects.update(customer="")
    before = snapshot()
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert "brought up to date" in out.getvalue()
    jones = Invoice.objects.get(number="INV-1001")
    assert (jones.customer, jones.amount_cents, jones.date) == (
        "Jones Residence",
        41000,
        date(2026, 11, 3),
    )
    assert Invoice.objects.get(number="INV-3002").customer == "Summit Gym"
    assert all(Payment.objects.values_list("customer", flat=True))
    # Nothing else changed: the same rows, in the same states.
    assert snapshot() == before
    assert Invoice.objects.get(number="INV-1001").state == "bypassed"

    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "nothing changed" in out.getvalue()


def test_reset_wipes_and_recreates_it():
    call_command("seed_demo", reset=True, verbosity=0)
    assert Invoice.objects.get(tenant__slug="acme-hvac", number="INV-1001").state == "bypassed"
    assert verify_chain(tenant=Tenant.objects.get(slug="acme-hvac")).ok


def test_people_and_their_roles():
    agent = User.objects.get(email="agent@support.example")
    assert agent.is_staff and not agent.is_superuser
    assert agent.groups.filter(name="Support agents").exists()
    assert agent.check_password("unlock-demo")
    assert User.objects.get(email="lead@support.example").is_superuser
    roles = dict(
        Membership.objects.filter(tenant__slug="acme-hvac").values_list("user__email", "role")
    )
    assert roles == {
        "pat@acme.example": "admin",
        "lee@acme.example": "admin",
        "dana@acme.example": "member",
    }
    birch = dict(
        Membership.objects.filter(tenant__slug="birch-plumbing").values_list("user__email", "role")
    )
    assert birch == {
        "sam@birch.example": "admin",
        "rae@birch.example": "admin",
        "kim@birch.example": "member",
    }


def test_pins_and_the_demo_api_key():
    assert pin_matches(Tenant.objects.get(slug="acme-hvac").pin_hash, "483920")
    assert pin_matches(Tenant.objects.get(slug="birch-plumbing").pin_hash, "275194")
    assert api_client_for_key("demo-helpdesk-key-0000000000000000").name == "helpdesk-demo"


STATES = {
    ("batch", "B-1001"): ("bypassed", None),
    ("invoice", "INV-1001"): ("bypassed", "B-1001"),
    ("invoice", "INV-1002"): ("bypassed", "B-1001"),
    ("payment", "PAY-1001"): ("bypassed", "B-1001"),
    ("batch", "B-1002"): ("exported", None),
    ("invoice", "INV-1003"): ("exported", "B-1002"),
    ("payment", "PAY-1002"): ("exported", "B-1002"),
    ("batch", "B-1003"): ("bypassed", None),
    ("invoice", "INV-1004"): ("bypassed", "B-1003"),
    ("invoice", "INV-1005"): ("bypassed", "B-1003"),
    ("batch", "B-0999"): ("exported", None),
    ("invoice", "INV-2001"): ("imported", None),
    ("payment", "PAY-2001"): ("imported", None),
    ("payment", "PAY-2002"): ("bypassed", None),
    ("invoice", "INV-2002"): ("open", None),
}


@pytest.mark.parametrize(("key", "expected"), STATES.items(), ids=lambda v: str(v))
def test_acme_records_are_in_their_states(key, expected):
    model = {"batch": Batch, "invoice": Invoice, "payment": Payment}[key[0]]
    record = model.objects.get(tenant__slug="acme-hvac", number=key[1])
    batch = getattr(record, "batch", None)
    assert (record.state, batch.number if batch else None) == expected


def test_export_history_is_as_described():
    inv1005 = Invoice.objects.get(number="INV-1005")
    assert [e.batch.number for e in inv1005.exports.all()] == ["B-0999"]
    assert [e.batch.number for e in Invoice.objects.get(number="INV-1003").exports.all()] == [
        "B-1002"
    ]
    assert not Invoice.objects.get(number="INV-1001").exports.exists()
    assert not Invoice.objects.filter(batch__number="B-0999").exists()


def preview(number, record_type):
    return outlook.preview(tenant="acme-hvac", targets=[{"type": record_type, "number": number}])


@pytest.mark.parametrize(
    ("record_type", "number", "warnings"),
    [
        ("batch", "B-1001", ["duplicate_risk"]),
        ("invoice", "INV-1004", []),
        ("invoice", "INV-1005", ["duplicate_risk"]),
        ("invoice", "INV-2001", []),
        ("payment", "PAY-2001", []),
        ("payment", "PAY-2002", []),
    ],
)
def test_accepted_rows(record_type, number, warnings):
    result = preview(number, record_type)
    assert result.ok
    assert result.targets[0].warnings == warnings


@pytest.mark.parametrize(
    ("record_type", "number", "code", "details"),
    [
        ("batch", "B-1002", "exported_batch", {"invoices": ["INV-1003"], "payments": ["PAY-1002"]}),
        ("invoice", "INV-1003", "exported_record", {}),
        ("payment", "PAY-1002", "exported_record", {}),
        ("batch", "B-1003", "transactions_exported", {"invoices": ["INV-1005"], "payments": []}),
        ("batch", "B-0999", "exported_batch", {"invoices": [], "payments": []}),
        ("invoice", "INV-2002", "not_locked", {}),
    ],
)
def test_refused_rows(record_type, number, code, details):
    result = preview(number, record_type)
    [refusal] = result.refusals
    assert refusal.code == code
    for key, value in details.items():
        assert refusal.details[key] == value


def test_birch_records():
    assert Batch.objects.get(tenant__slug="birch-plumbing", number="B-2001").state == "bypassed"
    assert Invoice.objects.get(number="INV-3001").batch.number == "B-2001"
    assert Invoice.objects.get(number="INV-3002").state == "imported"
    cross = outlook.preview(tenant="acme-hvac", targets=[{"type": "invoice", "number": "INV-3001"}])
    assert [r.code for r in cross.refusals] == ["unknown_record"]


def test_reset_works_after_requests_were_opened_and_approved():

    request = open_for(
        "acme-hvac",
        targets=[{"type": "batch", "number": "B-1001"}],
        caller_email="dana@acme.example",
        actor=Actor.system("test"),
    )
    verify(request, User.objects.get(email="pat@acme.example"), pin="483920")
    assert OutboxMessage.objects.filter(reference=request.pk).exists()

    call_command("seed_demo", reset=True, verbosity=0)

    assert not UnlockRequest.objects.exists()
    assert Batch.objects.get(tenant__slug="acme-hvac", number="B-1001").state == "bypassed"
    assert verify_chain(tenant=Tenant.objects.get(slug="acme-hvac")).ok


def test_birch_asks_two_admins_from_1000_dollars_so_b2002_needs_two_and_b2001_one():
    birch = Tenant.objects.get(slug="birch-plumbing")
    assert birch.two_approvers_from_cents == 100000
    assert not birch.two_approvers_for_bypassed_batches
    b2002 = Batch.objects.get(tenant=birch, number="B-2002")
    assert b2002.state == "bypassed"
    assert sorted(Invoice.objects.filter(batch=b2002).values_list("number", "amount_cents")) == [
        ("INV-3003", 125000),
        ("INV-3004", 48000),
    ]
    assert all(i.state == "bypassed" for i in Invoice.objects.filter(batch=b2002))

    def batch(number):
        return outlook.preview(
            tenant="birch-plumbing", targets=[{"type": "batch", "number": number}]
        )

    large, small = batch("B-2002"), batch("B-2001")

    assert (large.total.amount, large.approvals.required) == ("$1,730.00", 2)
    assert large.approvals.words() == "2 approvals: $1,730.00 is over the account's $1,000.00 limit"
    assert (small.total.amount, small.approvals.required) == ("$310.00", 1)


def test_sam_and_rae_approve_b2002_one_after_the_other():
    sam = User.objects.get(email="sam@birch.example")
    rae = User.objects.get(email="rae@birch.example")
    request = open_for("birch-plumbing", targets=[{"type": "batch", "number": "B-2002"}])

    first = verify(request, sam, pin="275194")
    assert first.status == "pending"
    second = verify(request, rae, pin="275194")

    assert second.status == "completed"
    assert Invoice.objects.get(number="INV-3003").state == "open"


def test_a_demo_seeded_before_two_approvers_gets_rae_b2002_and_the_policy():
    birch = Tenant.objects.get(slug="birch-plumbing")
    Invoice.objects.filter(batch__number="B-2002").delete()
    Batch.objects.filter(number="B-2002").delete()
    Membership.objects.filter(user__email="rae@birch.example").delete()
    Tenant.objects.filter(pk=birch.pk).update(two_approvers_from_cents=None)

    call_command("seed_demo", verbosity=0)

    birch.refresh_from_db()
    assert birch.two_approvers_from_cents == 100000
    assert Batch.objects.filter(tenant=birch, number="B-2002").exists()
    assert Membership.objects.filter(user__email="rae@birch.example", role="admin").exists()
    assert verify_chain(tenant=birch).ok
    before = snapshot()
    call_command("seed_demo", verbosity=0)
    assert snapshot() == before
