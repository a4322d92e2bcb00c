import csv
import io

from django.http import StreamingHttpResponse

from accounts.tests.factories import TenantFactory
from unlocks.tests import factories as f

EXPORT = "/admin/audit/auditentry/export.csv"


def rows_of(response):
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_it_streams_every_entry_with_its_hashes(agent_client, tenant):
    f.imported_invoice(tenant)
    f.imported_payment(tenant)
    response = agent_client.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = rows_of(response)
    assert [r["seq"] for r in rows] == ["1", "2"]
    assert {r["tenant"] for r in rows} == {"acme"}
    assert all(len(r["hash"]) == 64 for r in rows)


def test_it_exports_only_the_filtered_list(agent_client, tenant):
    other = TenantFactory(slug="birch")
    f.imported_invoice(tenant)
    f.imported_invoice(other)
    invoice = f.bypassed_invoice(tenant)
    rows = rows_of(agent_client.get(EXPORT, {"tenant__id__exact": tenant.pk}))
    assert {r["tenant"] for r in rows} == {"acme"} and len(rows) == 2
    rows = rows_of(agent_client.get(EXPORT, {"q": invoice.number}))
    assert [r["target_number"] for r in rows] == [invoice.number]


def test_the_list_links_to_the_export_of_what_it_shows(agent_client, tenant):
    response = agent_client.get("/admin/audit/auditentry/", {"action__exact": "record_imported"})
    assert response.context["export_url"] == f"{EXPORT}?action__exact=record_imported"


def test_bad_filters_lead_back_to_the_list_with_a_message(agent_client, tenant):
    response = agent_client.get(EXPORT, {"at__gte": "not-a-date"}, follow=True)
    assert response.status_code == 200
    assert "Those filters are not valid" in response.content.decode()


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_defused(agent_client, tenant):
    from audit.actors import Actor
    from audit.services import record_entry

    planted = Actor(kind="tenant_user", label="x", user_agent='=HYPERLINK("http://evil")')
    record_entry(tenant=tenant, action="pin_set", actor=planted)
    [row] = rows_of(agent_client.get(EXPORT))
    assert row["user_agent"] == '\'=HYPERLINK("http://evil")'


def test_the_data_column_is_json(agent_client, tenant):
    f.bypassed_batch(tenant)
    rows = rows_of(agent_client.get(EXPORT, {"action__exact": "record_bypassed"}))
    import json

    assert all(isinstance(json.loads(r["data"]), dict) for r in rows)


def test_it_streams_rows_in_pieces_of_many_rows(agent_client, tenant, monkeypatch):
    monkeypatch.setattr("audit.exports.CSV_BLOCK", 2)
    for _ in range(5):
        f.imported_invoice(tenant)
    pieces = [piece.decode() for piece in agent_client.get(EXPORT).streaming_content]
    assert [piece.count("\n") for piece in pieces] == [3, 2, 1]
    rows = list(csv.DictReader(io.StringIO("".join(pieces))))
    assert [r["seq"] for r in rows] == ["1", "2", "3", "4", "5"]
