"""An approval sent again by the admin who made it (a double click, Back and send) changes
nothing and records nothing; anyone else's try on the closed request is recorded."""

import pytest

from audit.models import AuditAction, AuditEntry
from core.refusals import Refusal
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for, verify


def approved(tenant, admin):
    return verify(open_for(tenant, f.bypassed_invoice(tenant)), admin)


def test_the_approver_sending_it_again_is_refused_and_recorded_nowhere(tenant, pat):
    request = approved(tenant, pat)
    entries = AuditEntry.objects.count()

    with pytest.raises(Refusal) as refused:
        verify(request, pat)

    assert refused.value.code == "request_not_pending"
    assert not getattr(refused.value, "audited", False)
    assert AuditEntry.objects.count() == entries


def test_it_knows_the_approver_by_email_in_any_case(tenant, pat):
    request = approved(tenant, pat)
    entries = AuditEntry.objects.count()

    with pytest.raises(Refusal):
        verify(request, pat, approver_email=" PAT@Acme.Test ")

    assert AuditEntry.objects.count() == entries


def test_another_admin_trying_the_approved_request_is_recorded(tenant, pat, lee):
    request = approved(tenant, pat)

    with pytest.raises(Refusal) as refused:
        verify(request, lee)

    assert refused.value.code == "request_not_pending"
    entry = AuditEntry.objects.filter(action=AuditAction.VERIFY_REFUSED).get()
    assert entry.code == "request_not_pending"


def test_the_approver_trying_a_cancelled_request_is_recorded(tenant, pat):
    from unlocks import services
    from unlocks.tests.conftest import AGENT

    request = open_for(tenant, f.bypassed_invoice(tenant))
    services.cancel_request(request_id=request.pk, reason="Asked by mistake", actor=AGENT)

    with pytest.raises(Refusal):
        verify(request, pat)

    assert AuditEntry.objects.filter(action=AuditAction.VERIFY_REFUSED).count() == 1
