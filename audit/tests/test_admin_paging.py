from audit.admin import CappedPaginator
from unlocks.tests import factories as f


def test_the_list_counts_no_further_than_its_cap(agent_client, tenant, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "COUNT_CAP", 3)
    for _ in range(5):
        f.imported_invoice(tenant)
    response = agent_client.get("/admin/audit/auditentry/")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 3
    assert b"More than 3 audit entries: filter the list" in response.content


def test_the_list_counts_exactly_below_its_cap(agent_client, tenant):
    f.imported_invoice(tenant)
    response = agent_client.get("/admin/audit/auditentry/")
    assert response.context["cl"].result_count == 1
    assert b"1 audit entry" in response.content
