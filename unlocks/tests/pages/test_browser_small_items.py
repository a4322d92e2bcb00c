"""The smaller things people met, in a browser set to Denver and one set to Sydney: a member
is offered no link they cannot use; the new PIN field says the length the rules require; the
audit list names each entry with its tenant's chain; a zone chosen on the account wins over
the browser's."""

import re

import pytest
from playwright.sync_api import expect

from conftest import shot
from unlocks.tests.admin.test_console_in_browser import sign_in as agent_signs_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, email, path):
    page.goto(path)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("unlock-demo")
    page.get_by_role("button", name="Sign in").click()


def name(page):
    return page.zone.replace("/", "-")


def test_a_member_is_offered_only_what_they_can_use(zoned_page, demo):
    page = zoned_page
    sign_in(page, "dana@acme.example", "/records/")
    nav = page.get_by_role("navigation", name="Your account")
    expect(nav.get_by_role("link", name="Records")).to_be_visible()
    for link in ("Requests", "Account PIN", "Second factor"):
        expect(nav.get_by_role("link", name=link, exact=True)).to_have_count(0)
    shot(page, f"small/{name(page)}-member-header")


def test_the_new_pin_field_says_six_to_ten_digits(zoned_page, demo):
    page = zoned_page
    sign_in(page, "pat@acme.example", "/settings/pin/acme-hvac/")
    expect(page.get_by_label("New account PIN")).to_have_accessible_description(
        re.compile(r"^6 to 10 digits, as the rules above say\.")
    )
    expect(page.get_by_text("4 to 10")).to_have_count(0)


def test_the_audit_list_names_each_entry_with_its_tenant(zoned_page, demo):
    page = zoned_page
    agent_signs_in(page)
    page.goto("/admin/audit/auditentry/")
    entries = page.locator("th.field-entry a").all_inner_texts()
    assert entries and all(re.fullmatch(r"[a-z0-9-]+ #\d+", e) for e in entries)
    # Within a tenant, newest first, its numbers count down without gaps.
    for tenant in {e.split(" #")[0] for e in entries}:
        numbers = [int(e.split("#")[1]) for e in entries if e.startswith(f"{tenant} #")]
        assert numbers == list(range(numbers[0], numbers[0] - len(numbers), -1))
    shot(page, f"small/{name(page)}-audit-list")


def test_a_zone_chosen_on_the_account_wins_over_the_browsers(zoned_page, demo):
    page = zoned_page
    sign_in(page, "pat@acme.example", "/settings/time-zone/")
    expect(page.get_by_text(f"Your browser says it is in {page.zone}.")).to_be_visible()
    expect(page.locator("[data-zone]")).to_contain_text(f"Times are in {page.zone}")

    page.get_by_label("Time zone", exact=True).select_option("Europe/Dublin")
    page.get_by_role("button", name="Save your time zone").click()

    expect(page.get_by_role("status")).to_contain_text("Times now read in Europe/Dublin.")
    expect(page.locator("[data-now]")).to_contain_text("GMT")
    expect(page.locator("[data-zone]")).to_contain_text("Times are in Europe/Dublin")
    shot(page, f"small/{name(page)}-time-zone")
