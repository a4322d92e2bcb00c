"""Every page of the three doors (the console, the tenant's pages, the API's docs) in
Chromium, in the light and the dark colour scheme: axe-core finds nothing critical or
serious on any of them. Each page's screenshot is in test-artifacts/every-page/."""

import pytest
from playwright.sync_api import expect

from conftest import axe_violations, shot
from unlocks.tests.admin.test_console_fits_in_browser import (
    LOOKUP,
    PAGE_OF,
    preview_a_batch,
    the_agents_pages,
    work_of_a_day,
)

WIDE = {"width": 1280, "height": 800}


def sign_in_to_the_console(page, email):
    page.context.clear_cookies()
    page.goto("/admin/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("unlock-demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")


def sign_in_as_a_tenant_admin(page):
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("pat@acme.example")
    page.get_by_label("Password").fill("unlock-demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/requests/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_page_of_the_three_doors_has_a_serious_accessibility_problem(demo, browser_page, scheme):
    from unlocks.links import approval_token

    work = work_of_a_day()
    page = browser_page
    page.set_viewport_size(WIDE)
    page.emulate_media(color_scheme=scheme)
    found = {}
    seen = []

    def check(name, path=None):
        if path is not None:
            response = page.goto(path)
            assert response.status < 500, (name, response.status)
        page.wait_for_load_state("load")
        seen.append(name)
        # The screenshot without its own check: every finding of every page is collected
        # first and reported together below.
        shot(page, f"every-page/{scheme}-{name}", accessible=False)
        if problems := axe_violations(page):
            found[name] = problems

    # Signed out: the sign-in pages of both doors and the API's docs.
    check("tenant-sign-in", "/accounts/login/")
    check("password-reset", "/accounts/password-reset/")
    check("console-sign-in", "/admin/login/")
    page.goto("/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible()
    check("api-docs")

    # The agent's console.
    sign_in_to_the_console(page, "agent@support.example")
    for name, path, must_show in the_agents_pages(work):
        page.goto(path)
        expect(page.locator(must_show).first).to_be_attached()
        check(f"console-{name}")
    for name, path in [
        ("outbox", "/admin/notifications/outboxmessage/"),
        ("webhooks", "/admin/notifications/webhookdelivery/"),
        ("tenants", "/admin/accounts/tenant/"),
        ("invoices", "/admin/unlocks/invoice/"),
        ("consent-texts", "/admin/unlocks/consenttext/"),
        ("lookup-nothing", LOOKUP + "acme-hvac+NOPE-1"),
        ("lookup-empty", "/admin/unlocks/unlockrequest/lookup/"),
    ]:
        check(f"console-{name}", path)
    page.goto("/admin/audit/auditentry/")
    page.locator("#result_list tbody tr th a").first.click()
    check("console-audit-entry")
    preview_a_batch(page)
    check("console-open-preview")
    page.goto(PAGE_OF(work["waiting"].pk))
    page.get_by_label("Account PIN they give").fill("000000")
    page.locator("form[action$='/verify/'] [type=submit]").click()
    expect(page.locator(".errornote, .errorlist").first).to_be_visible()
    check("console-verify-refused")
    page.locator("#user-tools").get_by_role("button", name="Log out").click()
    check("console-signed-out")

    # The support lead's pages.
    sign_in_to_the_console(page, "lead@support.example")
    for name, path in [
        ("lead-queue", "/admin/"),
        ("users", "/admin/accounts/user/"),
        ("groups-add", "/admin/auth/group/add/"),
        ("api-clients", "/admin/accounts/apiclient/"),
        ("security-events", "/admin/accounts/securityevent/"),
        ("password-change", "/admin/password_change/"),
    ]:
        check(f"console-{name}", path)
    page.goto("/admin/accounts/user/")
    page.locator("#result_list tbody tr th a").first.click()
    check("console-user")

    # The tenant admin's pages, the PIN page and its receipt among them.
    sign_in_as_a_tenant_admin(page)
    for name, path in [
        ("requests", "/requests/"),
        ("records", "/records/"),
        ("records-batch", "/records/?number=B-1001"),
        ("records-exported", "/records/?number=B-1002"),
        ("pin-page", f"/approve/{approval_token(work['waiting'])}/"),
        ("receipt", f"/receipts/{work['unlocked'].pk}/"),
        ("pin-settings", "/settings/pin/"),
        ("second-factor-settings", "/settings/second-factor/"),
        ("second-factor-app", "/settings/second-factor/app/"),
    ]:
        check(f"tenant-{name}", path)
    page.goto(f"/approve/{approval_token(work['waiting'])}/")
    page.get_by_label("I have read the consent text above and I accept it.").check()
    page.get_by_label("I understand that exporting these records again").check()
    page.get_by_label("Account PIN").fill("000000")
    page.get_by_role("button", name="Approve and unlock").click()
    expect(page.get_by_role("alert")).to_contain_text("That PIN is not right")
    check("tenant-pin-page-errors")

    assert len(seen) >= 40
    assert found == {}, "\n".join(f"{name}: {'; '.join(p)}" for name, p in found.items())
