import pytest

from audit.models import AuditEntry
from unlocks.tests import factories as f

LIST = "/admin/audit/auditentry/"


@pytest.fixture
def entry(tenant):
    f.imported_invoice(tenant)
    return AuditEntry.objects.get()


@pytest.mark.parametrize("who", ["agent_client", "superuser_client"])
def test_nobody_can_add_change_or_delete_an_entry(request, who, entry):
    client = request.getfixturevalue(who)
    before = (entry.action, entry.hash)
    assert client.get(f"{LIST}add/").status_code == 403
    assert client.post(f"{LIST}add/", {"action": "pin_set"}).status_code == 403
    assert client.post(f"{LIST}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    response = client.post(f"{LIST}{entry.pk}/change/", {"action": "pin_set", "code": "forged"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert (entry.action, entry.hash) == before
    assert AuditEntry.objects.count() == 1


@pytest.mark.parametrize("who", ["agent_client", "superuser_client"])
def test_the_list_offers_no_actions_and_no_add_button(request, who, entry):
    response = request.getfixturevalue(who).get(LIST)
    assert response.status_code == 200
    assert response.context["action_form"] is None
    assert not response.context["has_add_permission"]


def test_an_entry_reads_in_full_with_nothing_to_save(superuser_client, entry):
    response = superuser_client.get(f"{LIST}{entry.pk}/change/")
    assert response.status_code == 200
    assert entry.hash in response.content.decode()
    assert b'name="_save"' not in response.content
    assert b"Delete" not in response.content
