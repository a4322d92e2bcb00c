"""Builders of the unlock tests: an opened request (`open_for`) and its approval (`verify`),
by the agent's actor; and `books`, an account made with factories with a record in each
state an unlock meets, with a helpdesk client (`api`, `agent_api`), for the tests over
HTTP. The cast of people is the root conftest's; seed_demo's dataset is for the
end-to-end and browser tests only."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from accounts.services import create_api_client
from accounts.tests.factories import PIN, give_authenticator
from audit.actors import Actor
from unlocks import platform, services
from unlocks.consent import current_consent
from unlocks.tests.factories import target

AGENT = Actor(kind="agent", label="agent@support.example", ip="10.0.0.9", user_agent="pytest")


def open_for(tenant, *records, **fields):
    """Open a request for `records` of `tenant` (a Tenant or its slug), by the agent: the
    one builder of an opened request. `fields` override what the caller says; `targets=`
    names the records as the API does, instead of `records`."""
    values = {
        "caller_name": "Dana Ruiz",
        "caller_email": "dana@acme.test",
        "channel": "phone",
        "reason": "Bypassed by mistake",
        "ticket": "ZD-1",
        "actor": AGENT,
    }
    values.update(fields)
    values.setdefault("targets", [target(r) for r in records])
    return services.open_request(tenant=getattr(tenant, "slug", tenant), **values)


def verify(request, admin, **fields):
    values = {
        "request_id": request.pk,
        "approver_email": admin.email,
        "pin": PIN,
        "consent_version": current_consent().version,
        "consent_accepted": True,
        "duplicate_risk_acknowledged": True,
        "actor": AGENT,
    }
    values.update(fields)
    return services.verify_and_unlock(**values)


# ---------------------------------------------------------------- the books

CLIENT_NAME = "helpdesk-tests"

# What people confirm each transaction by: customer, amount in cents, date.
TRANSACTIONS = {
    "INV-1001": ("Jones Residence", 41000, date(2026, 11, 3)),
    "INV-1002": ("Maple Street Dental", 81750, date(2026, 11, 5)),
    "PAY-1001": ("Jones Residence", 41000, date(2026, 11, 10)),
    "INV-1003": ("Riverside Cafe", 72000, date(2026, 11, 12)),
    "PAY-1002": ("Riverside Cafe", 72000, date(2026, 11, 16)),
    "INV-1004": ("Pine Court HOA", 15500, date(2026, 11, 18)),
    "INV-1005": ("Hill House", 26500, date(2026, 10, 27)),
    "INV-2001": ("Cedar Lane School", 9900, date(2026, 11, 20)),
    "PAY-2001": ("Cedar Lane School", 9900, date(2026, 11, 24)),
    "PAY-2002": ("Elm Park Clinic", 20000, date(2026, 11, 25)),
    "INV-2002": ("Birchwood Bakery", 5400, date(2026, 11, 30)),
    "INV-3001": ("Lakeview Motel", 31000, date(2026, 11, 9)),
    "INV-3002": ("Summit Gym", 12000, date(2026, 11, 19)),
}


def _txn(tenant, number, batch=None):
    customer, amount_cents, day = TRANSACTIONS[number]
    kind = "invoice" if number.startswith("INV") else "payment"
    return platform.create_transaction(
        tenant=tenant,
        record_type=kind,
        number=number,
        batch=batch,
        amount_cents=amount_cents,
        customer=customer,
        date=day,
    )


def _imported(tenant, number):
    customer, amount_cents, day = TRANSACTIONS[number]
    kind = "invoice" if number.startswith("INV") else "payment"
    return platform.import_transaction(
        tenant=tenant,
        record_type=kind,
        number=number,
        amount_cents=amount_cents,
        customer=customer,
        date=day,
    )


def _batch(tenant, number, *transactions):
    batch = platform.create_batch(tenant=tenant, number=number)
    for each in transactions:
        _txn(tenant, each, batch=batch)
    return batch


@pytest.fixture
def books(tenant, pat, lee, dana, birch, sam, agent):
    """Acme's records, one of each case of SPEC's rules, and Birch's:

    B-1001 bypassed (INV-1001, INV-1002, PAY-1001): accepted, duplicate risk; B-1002
    exported (INV-1003, PAY-1002): refused; B-1003 bypassed (INV-1004, and INV-1005,
    exported once with B-0999): refused, transactions_exported; B-0999 exported, empty;
    INV-2001, PAY-2001 imported; PAY-2002 bypassed; INV-2002 open. Birch: B-2001 bypassed
    (INV-3001), INV-3002 imported."""
    # Lee approves with an authenticator app too.
    give_authenticator(lee)
    b0999 = _batch(tenant, "B-0999", "INV-1005")
    platform.export_batch(batch=b0999)
    platform.bypass_batch(batch=_batch(tenant, "B-1001", "INV-1001", "INV-1002", "PAY-1001"))
    platform.export_batch(batch=_batch(tenant, "B-1002", "INV-1003", "PAY-1002"))
    b1003 = _batch(tenant, "B-1003", "INV-1004")
    moved = platform.bypass_transaction(record=b0999.invoice_set.get())
    platform.move_to_batch(record=moved, batch=b1003)
    platform.bypass_batch(batch=b1003)
    _imported(tenant, "INV-2001")
    _imported(tenant, "PAY-2001")
    platform.bypass_transaction(record=_txn(tenant, "PAY-2002"))
    _txn(tenant, "INV-2002")
    platform.bypass_batch(batch=_batch(birch, "B-2001", "INV-3001"))
    _imported(birch, "INV-3002")


@pytest.fixture
def api_key(books):
    """The key of the tests' helpdesk client, made as any client is (shown once)."""
    _, key = create_api_client(name=CLIENT_NAME)
    return key


@pytest.fixture
def api(api_key):
    """The tests' helpdesk client, by its key."""
    client = APIClient(HTTP_USER_AGENT="helpdesk-tests/1.0", REMOTE_ADDR="203.0.113.7")
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key}")
    return client


@pytest.fixture
def agent_api(books, agent):
    """The support agent Avery, signed in with a session."""
    client = APIClient()
    client.force_login(agent)
    return client
