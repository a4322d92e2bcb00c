"""An approval's locks never deadlock with the other changes of its tenant (PostgreSQL).

The approval holds its request and tenant across the PIN check, then its records. An
open or a cancel of the same tenant meanwhile takes the chain head and, at its commit,
checks its foreign keys to the tenant and the records (FOR KEY SHARE). They are locked
FOR NO KEY UPDATE, which that check does not wait for, so the other change commits and
the approval goes on.
"""

import threading

import pytest
from django.db import connections, transaction

from accounts.tests.factories import TenantFactory, admin_of
from audit.actors import Actor
from audit.services import record_entry
from unlocks import selectors, services
from unlocks.models import RequestStatus
from unlocks.tests import factories as f
from unlocks.tests.conftest import AGENT, open_for


def in_thread(work):
    """Run `work` in a thread of its own (its own connection); returns (thread, outcome)."""
    outcome = {}

    def run():
        try:
            outcome["value"] = work()
        except Exception as error:  # reported to the test, which fails on it
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("other", ["open", "cancel"])
def test_a_change_of_the_tenant_commits_while_an_approval_holds_its_locks(other):
    tenant = TenantFactory()
    admin_of(tenant)
    invoice = f.imported_invoice(tenant)
    approving = open_for(tenant, invoice)
    cancelling = open_for(tenant, f.imported_invoice(tenant))

    def change():
        if other == "open":
            return open_for(tenant, invoice).status
        return services.cancel_request(
            request_id=cancelling.pk, reason="Fixed another way", actor=AGENT
        ).status

    with transaction.atomic():
        # Where an approval stands once it has judged its targets: request, tenant and
        # records locked (an open of the same record checks its key at commit).
        selectors.locked_request(approving.pk, with_tenant=True)
        selectors.find_records(tenant=tenant, specs=[("invoice", invoice.number)], lock=True)
        thread, outcome = in_thread(change)
        thread.join(timeout=10)
        assert not thread.is_alive(), "the other change waited for the approval's locks"
        # The approval then writes to the chain the other change has released.
        record_entry(tenant=tenant, action="pin_incorrect", actor=Actor.system())

    assert "error" not in outcome, outcome.get("error")
    assert outcome["value"] in (RequestStatus.PENDING, RequestStatus.CANCELLED)
