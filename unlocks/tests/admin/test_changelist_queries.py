"""Every changelist runs the same number of queries for 5 rows as for 50."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import ApiClient
from accounts.services import create_api_client
from accounts.tests.factories import TenantFactory, UserFactory
from unlocks.models import ConsentText
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def rows_shown(client, url):
    return len(client.get(url).context["cl"].result_list)


def same_count_for_5_and_50(client, url, make_rows):
    make_rows(5)
    few = queries_for(client, url)
    assert rows_shown(client, url) >= 5
    make_rows(45)
    many = queries_for(client, url)
    assert rows_shown(client, url) >= 50
    assert few == many


def test_the_request_list(agent_client, tenant):
    def make(n):
        for _ in range(n):
            batch = f.bypassed_batch(tenant, invoices=1)
            open_for(tenant, batch, batch.invoice_set.get())

    same_count_for_5_and_50(agent_client, "/admin/unlocks/unlockrequest/", make)


def test_the_request_list_searched_by_record_number(agent_client, tenant):
    def make(n):
        for _ in range(n):
            open_for(tenant, f.bypassed_invoice(tenant), caller_email="same@acme.test")

    same_count_for_5_and_50(
        agent_client, "/admin/unlocks/unlockrequest/?q=same@acme.test&status__exact=pending", make
    )


def searched_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in captured]


@pytest.mark.parametrize(
    ("url", "extra"),
    # The requests' search reads the ids of requests naming the term as a record number
    # first (one query), so that PostgreSQL can use an index for each branch of its OR.
    [("/admin/unlocks/unlockrequest/", 1), ("/admin/audit/auditentry/", 0)],
    ids=["requests", "audit"],
)
def test_a_search_by_short_request_id_adds_a_fixed_query_and_reads_the_id_as_a_range(
    agent_client, tenant, url, extra
):
    for _ in range(5):
        open_for(tenant, f.bypassed_invoice(tenant))
    short = str(open_for(tenant, f.bypassed_invoice(tenant)).pk)[:8].upper()

    listed = searched_queries(agent_client, url)
    searched = searched_queries(agent_client, f"{url}?q={short}")

    assert rows_shown(agent_client, f"{url}?q={short}") >= 1
    assert len(searched) == len(listed) + extra
    # An indexed range of the id, not a LIKE over the text of every id.
    assert not any("LIKE" in sql.upper() for sql in searched)
    assert any("BETWEEN" in sql.upper() for sql in searched)


@pytest.mark.parametrize("model", ["batch", "invoice", "payment"])
def test_the_record_lists(agent_client, tenant, model):
    def make(n):
        for _ in range(n):
            f.bypassed_batch(tenant, invoices=1, payments=1)

    same_count_for_5_and_50(agent_client, f"/admin/unlocks/{model}/", make)


def test_the_audit_list(agent_client, tenant):
    def make(n):
        for _ in range(n):
            f.imported_invoice(tenant)

    same_count_for_5_and_50(agent_client, "/admin/audit/auditentry/", make)


def test_the_user_tenant_and_api_client_lists(superuser_client):
    def users(n):
        UserFactory.create_batch(n)

    def tenants(n):
        TenantFactory.create_batch(n)

    def clients(n):
        start = ApiClient.objects.count()
        for i in range(n):
            create_api_client(name=f"client-{start + i}")

    same_count_for_5_and_50(superuser_client, "/admin/accounts/user/", users)
    same_count_for_5_and_50(superuser_client, "/admin/accounts/tenant/", tenants)
    same_count_for_5_and_50(superuser_client, "/admin/accounts/apiclient/", clients)


def test_the_consent_list(agent_client):
    def make(n):
        start = ConsentText.objects.order_by("-version").first().version
        for i in range(1, n + 1):
            ConsentText.objects.create(version=start + i, text=f"Consent {start + i}")

    same_count_for_5_and_50(agent_client, "/admin/unlocks/consenttext/", make)
