from audit.models import AuditEntry
from unlocks import platform
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for

LIST = "/admin/audit/auditentry/"


def shown(client, **params):
    return list(client.get(LIST, params).context["cl"].result_list)


def test_it_finds_a_requests_entries_by_its_id(agent_client, tenant):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    assert [e.action for e in shown(agent_client, q=str(request.pk))] == ["request_opened"]


def test_it_finds_a_records_entries_by_number_in_any_case(agent_client, tenant):
    invoice = f.imported_invoice(tenant)
    f.imported_invoice(tenant)
    assert [e.target_number for e in shown(agent_client, q=invoice.number.lower())] == [
        invoice.number
    ]


def test_it_finds_what_an_agent_did_by_email(agent_client, tenant):
    f.imported_invoice(tenant)
    open_for(tenant, f.bypassed_invoice(tenant))
    found = shown(agent_client, q="agent@support.example")
    assert [e.action for e in found] == ["request_opened"]


def test_it_filters_by_action_newest_first(agent_client, tenant):
    f.imported_invoice(tenant)
    f.imported_invoice(tenant)
    found = shown(agent_client, action__exact="record_imported")
    assert [e.seq for e in found] == [2, 1]
    assert AuditEntry.objects.count() == 2


def test_it_finds_a_requests_entries_by_the_short_id_the_console_shows(agent_client, tenant):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    open_for(tenant, f.bypassed_invoice(tenant))
    short = str(request.pk)[:8]

    for term in (short, short.upper(), str(request.pk)[:13].upper()):
        assert [e.request_id for e in shown(agent_client, q=term)] == [request.pk], term


def test_a_short_id_that_is_also_a_record_number_finds_both(agent_client, tenant):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    short = str(request.pk)[:8]
    platform.import_transaction(tenant=tenant, record_type="invoice", number=short.upper())

    assert sorted(e.action for e in shown(agent_client, q=short)) == [
        "record_imported",
        "request_opened",
    ]


def test_seven_characters_are_not_taken_for_a_request_id(agent_client, tenant):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    assert shown(agent_client, q=str(request.pk)[:7]) == []
