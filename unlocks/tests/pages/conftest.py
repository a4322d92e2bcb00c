import pytest
from django.urls import reverse

from accounts.tests.factories import PIN
from unlocks.consent import current_consent
from unlocks.links import approval_token
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for


def approve_path(unlock):
    return reverse("approve", args=[approval_token(unlock)])


def approval(unlock, **fields):
    """What the PIN page's form sends when the admin ticks everything and types the PIN."""
    data = {
        "pin": PIN,
        "consent_accepted": "on",
        "duplicate_risk_acknowledged": "on",
        "consent_version": current_consent().version,
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def batch(tenant):
    return f.bypassed_batch(tenant, invoices=2, payments=1)


@pytest.fixture
def unlock(tenant, batch):
    """A pending request for a bypassed batch: it carries the duplicate risk."""
    return open_for(tenant, batch)


@pytest.fixture
def plain_unlock(tenant):
    """A pending request for an imported invoice: no duplicate risk."""
    return open_for(tenant, f.imported_invoice(tenant))
