"""Every console page says what it is in its title, and writes times one way:
2026-12-02 06:50 UTC, never Django's "Dec. 2, 2026, 6:35 a.m." with no zone."""

import re
from datetime import UTC, datetime

from django.template import Context, Template
from django.utils import timezone
from django.utils.html import strip_tags

from audit.models import AuditEntry
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for

CONSOLE_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")
DJANGO_TIME = re.compile(r"\b(a\.m\.|p\.m\.|noon|midnight)|[A-Z][a-z]{2}\. \d")


def title_of(response):
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()


def test_a_time_without_a_format_of_its_own_reads_the_console_s_way():
    at = datetime(2026, 12, 2, 6, 50, tzinfo=UTC)
    shown = Template("{{ at }}|{{ at|date }}|{{ at|date:'DATETIME_FORMAT' }}").render(
        Context({"at": at})
    )
    assert shown == "2026-12-02 06:50 UTC|2026-12-02|2026-12-02 06:50 UTC"


def test_the_request_list_says_what_it_is_and_writes_times_the_console_s_way(agent_client, tenant):
    open_for(tenant, f.bypassed_invoice(tenant))

    response = agent_client.get("/admin/unlocks/unlockrequest/")

    assert response.context["title"] == "Unlock requests"
    assert title_of(response) == "Unlock requests | Unlock desk"
    content = response.content.decode()
    assert CONSOLE_TIME.search(content.split('id="result_list"')[1])
    assert not DJANGO_TIME.search(content.split('id="result_list"')[1])


def test_the_audit_list_and_an_entry_say_what_they_are(agent_client, tenant):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    entry = AuditEntry.objects.get(request_id=request.pk)

    listed = agent_client.get("/admin/audit/auditentry/")
    shown = agent_client.get(f"/admin/audit/auditentry/{entry.pk}/change/")

    assert listed.context["title"] == "Audit entries"
    rows = listed.content.decode().split('id="result_list"')[1]
    assert f"{timezone.localtime(entry.at):%Y-%m-%d %H:%M} UTC" in rows
    assert not DJANGO_TIME.search(rows)
    assert shown.status_code == 200
    assert shown.context["title"] == f"Audit entry {entry.seq} of {tenant.slug}"
    assert title_of(shown) == f"Audit entry {entry.seq} of {tenant.slug} | Unlock desk"
    assert "Select audit entry" not in shown.content.decode()
    breadcrumbs = shown.content.decode().split('class="breadcrumbs"')[1].split("</div>")[0]
    assert breadcrumbs.endswith(f"› Audit entry {entry.seq} of {tenant.slug}")
    assert CONSOLE_TIME.search(shown.content.decode())
    assert not DJANGO_TIME.search(shown.content.decode())


def test_a_record_page_names_the_record(agent_client, tenant):
    invoice = f.bypassed_invoice(tenant)

    response = agent_client.get(f"/admin/unlocks/invoice/{invoice.pk}/change/")

    assert response.context["title"] == f"Invoice {invoice.number}"
    assert agent_client.get("/admin/unlocks/invoice/").context["title"] == "Invoices"


def test_the_request_page_names_the_request_and_writes_times_the_console_s_way(
    agent_client, tenant
):
    request = open_for(tenant, f.bypassed_invoice(tenant))

    response = agent_client.get(f"/admin/unlocks/unlockrequest/{request.pk}/change/")

    assert title_of(response) == f"Unlock request {str(request.pk)[:8]} | Unlock desk"
    content = response.content.decode()
    assert f"{timezone.localtime(request.created_at):%Y-%m-%d %H:%M} UTC by" in strip_tags(content)
    assert not DJANGO_TIME.search(content)


def test_the_lookup_writes_times_the_console_s_way(agent_client, tenant):
    batch = f.exported_batch(tenant, invoices=1)
    open_for(tenant, f.bypassed_invoice(tenant))

    response = agent_client.get("/admin/unlocks/unlockrequest/lookup/", {"q": batch.number})

    content = response.content.decode()
    assert CONSOLE_TIME.search(content)
    assert not DJANGO_TIME.search(content)
