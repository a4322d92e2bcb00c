"""Every page reads times in its reader's zone: the one chosen on their account, else their
browser's (the cookie every page's script sets), else UTC; the API stays UTC. The Time
zone settings page chooses a person's zone and the zone of a tenant's emails."""

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import timezone

from accounts.middleware import ZONE_COOKIE
from accounts.tests.factories import TenantFactory, admin_of
from core import times
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for

PAGE = "/settings/time-zone/"
NOON_UTC = datetime(2026, 12, 8, 19, 8, tzinfo=UTC)


def signed_in(user, zone=None):
    client = Client()
    client.force_login(user)
    if zone:
        client.cookies[ZONE_COOKIE] = zone
    return client


def shown_now(client):
    """The page's own clock line: "2026-12-08 12:08 MST"."""
    page = client.get(PAGE).content.decode()
    return page.split("data-now>")[1].split("<")[0]


def test_the_at_filter_writes_the_readers_zone_named_with_utc_on_hover():
    with timezone.override("America/Denver"):
        html = Template("{% load times %}{{ when|at }}").render(Context({"when": NOON_UTC}))
    assert html == (
        '<time datetime="2026-12-08T19:08:00Z" title="2026-12-08 19:08 UTC">'
        "2026-12-08 12:08 MST</time>"
    )


def test_sydney_reads_the_next_day_in_summer_time():
    with timezone.override("Australia/Sydney"):
        assert times.local(NOON_UTC) == "2026-12-09 06:08 AEDT"
        assert times.clock(NOON_UTC) == "06:08 AEDT"


def test_no_zone_known_reads_utc_named(pat):
    assert shown_now(signed_in(pat)).endswith(" UTC")


def test_the_browsers_zone_is_read_from_its_cookie(pat):
    assert shown_now(signed_in(pat, "America/Denver")).endswith(" MST")


def test_a_cookie_that_names_no_zone_is_ignored(pat):
    for junk in ("Mars/Olympus", "../../etc/passwd", "x" * 300):
        assert shown_now(signed_in(pat, junk)).endswith(" UTC")


def test_the_zone_on_the_account_wins_over_the_browsers(pat):
    pat.time_zone = "Australia/Sydney"
    pat.save()
    assert shown_now(signed_in(pat, "America/Denver")).endswith(" AEDT")


def test_the_console_reads_the_agents_zone(agent):
    client = signed_in(agent, "America/Denver")
    page = client.get("/admin/").content.decode()
    assert 'href="/settings/time-zone/"' in page
    assert shown_now(client).endswith(" MST")


def test_the_api_answers_in_utc_whatever_the_zone(agent_client, tenant):
    agent = agent_client
    agent.cookies[ZONE_COOKIE] = "America/Denver"
    request = open_for(tenant, f.bypassed_invoice(tenant))

    body = agent.get(f"/api/v1/unlock-requests/{request.pk}/").json()

    assert body["created_at"].endswith("Z") or body["created_at"].endswith("+00:00")


def test_a_person_chooses_their_zone(pat):
    client = signed_in(pat, "America/Denver")

    response = client.post(PAGE, {"which": "", "own-time_zone": "Europe/Dublin"})

    assert response.status_code == 302 and response["Location"] == PAGE
    pat.refresh_from_db()
    assert pat.time_zone == "Europe/Dublin"
    assert "Times now read in Europe/Dublin." in client.get(PAGE).content.decode()


def test_a_person_goes_back_to_their_browsers_zone(pat):
    pat.time_zone = "Europe/Dublin"
    pat.save()

    signed_in(pat).post(PAGE, {"which": "", "own-time_zone": ""})

    pat.refresh_from_db()
    assert pat.time_zone == ""


def test_a_zone_that_is_not_one_is_refused(pat):
    response = signed_in(pat).post(PAGE, {"which": "", "own-time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    pat.refresh_from_db()
    assert pat.time_zone == ""


def test_an_admin_chooses_the_zone_of_the_tenants_emails(pat, tenant):
    response = signed_in(pat).post(
        PAGE, {"which": tenant.slug, f"tenant-{tenant.slug}-time_zone": "America/Denver"}
    )

    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.time_zone == "America/Denver"


def test_a_member_is_offered_no_tenant_zone_and_cannot_set_one(dana, tenant):
    client = signed_in(dana)
    assert "Emails of" not in client.get(PAGE).content.decode()

    client.post(PAGE, {"which": tenant.slug, f"tenant-{tenant.slug}-time_zone": "Asia/Tokyo"})

    tenant.refresh_from_db()
    assert tenant.time_zone == "UTC"


def test_an_admin_cannot_set_another_tenants_zone(pat):
    birch = TenantFactory(slug="birch", name="Birch")
    admin_of(birch, email="sam@birch.test")

    signed_in(pat).post(PAGE, {"which": "birch", "tenant-birch-time_zone": "Asia/Tokyo"})

    birch.refresh_from_db()
    assert birch.time_zone == "UTC"


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_sends_a_visitor_to_sign_in(client, db, method):
    response = getattr(client, method)(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_service_refuses_a_member_and_an_unknown_zone(dana, pat, tenant):
    from accounts.services import set_tenant_time_zone
    from core.refusals import Refusal

    with pytest.raises(Refusal) as member:
        set_tenant_time_zone(tenant=tenant, time_zone="Asia/Tokyo", admin=dana)
    with pytest.raises(Refusal) as unknown:
        set_tenant_time_zone(tenant=tenant, time_zone="Mars/Olympus", admin=pat)

    assert (member.value.code, unknown.value.code) == ("not_tenant_admin", "time_zone_unknown")
    tenant.refresh_from_db()
    assert tenant.time_zone == "UTC"
