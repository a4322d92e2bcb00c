"""The request page's timeline in English: tries counted in words, times as every console
page writes them, refusals said in words with their code small after them."""

import re
from datetime import UTC, datetime

import pytest
from django.utils.html import strip_tags

from core.refusals import HTTP_STATUS, Refusal
from core.words import CODE_WORDS, in_words
from unlocks.console.timeline import tries_left
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for, verify


def page(client, request):
    return client.get(f"/admin/unlocks/unlockrequest/{request.pk}/change/")


def verify_url(request):
    return f"/admin/unlocks/unlockrequest/{request.pk}/verify/"


def wrong_pin(client, request, admin):
    return client.post(
        verify_url(request), {"admin_email": admin.email, "pin": "999999", "consent_version": 1}
    )


def test_wrong_pins_count_the_tries_left_in_words(agent_client, tenant, admin):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    for _ in range(5):
        wrong_pin(agent_client, request, admin)

    steps = page(agent_client, request).context["timeline"]

    details = [s.detail for s in steps if s.kind == "wrong_pin"]
    assert details == [
        f"given for {admin.email}; 4 tries left",
        f"given for {admin.email}; 3 tries left",
        f"given for {admin.email}; 2 tries left",
        f"given for {admin.email}; 1 try left",
        f"given for {admin.email}; no tries left",
    ]


def test_the_lock_says_until_when_in_the_console_s_format(agent_client, tenant, admin):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    for _ in range(5):
        wrong_pin(agent_client, request, admin)
    tenant.refresh_from_db()

    [lock] = [s for s in page(agent_client, request).context["timeline"] if s.kind == "locked"]

    until = f"{tenant.pin_locked_until:%Y-%m-%d %H:%M} UTC"
    assert lock.detail == f"PIN verification locked on every channel until {until}"


def test_a_refused_verification_says_why_in_words_with_the_code_after(
    agent_client, tenant, admin, member
):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    with pytest.raises(Refusal):
        verify(request, member)
    for _ in range(6):
        wrong_pin(agent_client, request, admin)

    steps = page(agent_client, request).context["timeline"]

    refused = [s for s in steps if s.kind == "refused_try"]
    assert [(s.title, s.code) for s in refused] == [
        ("Verification refused: not an admin of the tenant", "not_tenant_admin"),
        ("Verification refused: PIN locked", "pin_locked"),
    ]
    assert refused[0].detail == f"for {member.email}"
    content = page(agent_client, request).content.decode()
    assert "Verification refused: PIN locked" in content
    assert '<small class="ud-code">pin_locked</small>' in content


def test_the_timeline_shows_times_without_seconds_or_iso(agent_client, tenant):
    request = open_for(tenant, f.bypassed_invoice(tenant))

    content = page(agent_client, request).content.decode()

    # What the agent reads: the machine-readable time inside the tag is not shown.
    timeline = strip_tags(content.split("data-timeline")[1])
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC · ", timeline)
    assert not re.search(r"\d\d:\d\d:\d\d", timeline)
    assert not re.search(r"\dT\d", timeline)
    assert f"for {request.targets.get().number}, by phone" in timeline


@pytest.mark.parametrize("code", sorted(HTTP_STATUS))
def test_every_refusal_code_has_words(code):
    assert code in CODE_WORDS
    assert "_" not in in_words(code)


def test_an_unknown_code_is_spelled_out_not_shown_bare():
    assert in_words("some_new_rule") == "some new rule"


def test_tries_left_reads_as_english():
    assert [tries_left(n) for n in (0, 1, 2, None)] == [
        "no tries left",
        "1 try left",
        "2 tries left",
        "no tries left",
    ]


def test_the_shown_time_of_a_stored_iso_time():
    from unlocks.console.timeline import shown

    assert shown(datetime(2026, 12, 2, 6, 50, 31, tzinfo=UTC).isoformat()) == "2026-12-02 06:50 UTC"
    assert shown("not a time") == ""
