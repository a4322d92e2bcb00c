"""In a real browser, the admin, the console, the PIN page and the API docs run under our
Content-Security-Policy without a violation."""

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from conftest import shot
from unlocks.tests.conftest import open_for


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_signing_in_and_browsing_the_admin_breaks_no_csp_rule(browser_page):
    UserFactory(email="lead@support.test", is_staff=True, is_superuser=True)
    violations = []
    browser_page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    browser_page.goto("/admin/login/")
    browser_page.get_by_label("Email").fill("lead@support.test")
    browser_page.get_by_label("Password").fill("pw-for-tests-1")
    browser_page.get_by_role("button", name="Log in").click()
    browser_page.wait_for_url("**/admin/")
    browser_page.goto("/admin/auth/group/add/")
    browser_page.get_by_label("Name").fill("Reviewers")

    # Before the screenshot's accessibility check, whose own probes the page's policy reports.
    assert violations == []
    shot(browser_page, "admin-under-csp")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_injected_inline_script_is_blocked(browser_page):
    browser_page.goto("/admin/login/")
    with pytest.raises(PlaywrightError, match="violates the following Content Security Policy"):
        browser_page.add_script_tag(content="window.injected = true;")
    assert browser_page.evaluate("window.injected === undefined")


def watch_for_csp_violations(page):
    """Chromium reports each violation on the console; keep them with the page's address."""
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return violations


def open_demo_request(number):

    return open_for(
        "acme-hvac",
        targets=[{"type": "batch", "number": number}],
        caller_name="Pat Morgan",
        caller_email="pat@acme.example",
        reason="Bypassed by mistake; needs re-export",
        ticket="ZD-5521",
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_renders_the_operations_under_the_csp(browser_page):
    violations = watch_for_csp_violations(browser_page)

    browser_page.goto("/api/docs/")
    operations = browser_page.locator(".opblock")
    expect(operations.first).to_be_visible()

    assert operations.count() >= 10
    expect(browser_page.get_by_text("Audit entries, oldest first within a tenant")).to_be_visible()
    # Before the screenshot's accessibility check, whose own probes the page's policy reports.
    assert violations == []
    shot(browser_page, "api-docs-under-csp")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_pin_page_from_sign_in_to_receipt_breaks_no_csp_rule(browser_page, demo):
    from unlocks.links import approval_token

    unlock = open_demo_request("B-1001")
    violations = watch_for_csp_violations(browser_page)
    page = browser_page

    page.goto(f"/approve/{approval_token(unlock)}/")
    page.get_by_label("Email").fill("pat@acme.example")
    page.get_by_label("Password").fill("unlock-demo")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("I have read the consent text above and I accept it.").check()
    page.get_by_label("I understand that exporting these records again").check()
    page.get_by_label("Account PIN").fill("000000")
    page.get_by_role("button", name="Approve and unlock").click()
    expect(page.get_by_role("alert")).to_contain_text("That PIN is not right")
    page.get_by_label("I have read the consent text above and I accept it.").check()
    page.get_by_label("I understand that exporting these records again").check()
    page.get_by_label("Account PIN").fill("483920")
    page.get_by_role("button", name="Approve and unlock").click()
    page.wait_for_url(f"**/receipts/{unlock.pk}/")
    page.goto("/requests/")
    page.goto("/accounts/password-reset/")

    shot(page, "pin-page-under-csp")
    assert violations == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_console_pages_break_no_csp_rule(browser_page, demo):
    unlock = open_demo_request("B-1001")
    violations = watch_for_csp_violations(browser_page)
    page = browser_page

    page.goto("/admin/login/")
    page.get_by_label("Email").fill("agent@support.example")
    page.get_by_label("Password").fill("unlock-demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    for path in (
        "/admin/unlocks/unlockrequest/",
        "/admin/unlocks/unlockrequest/lookup/?q=acme-hvac+B-1001",
        "/admin/unlocks/unlockrequest/open/?tenant=acme-hvac&record=batch:B-1001",
        f"/admin/unlocks/unlockrequest/{unlock.pk}/change/",
        "/admin/audit/auditentry/",
        "/admin/audit/auditentry/verify/",
        "/admin/notifications/outboxmessage/",
        "/admin/notifications/webhookdelivery/",
        "/admin/unlocks/batch/",
    ):
        page.goto(path)
        page.wait_for_load_state("load")
    page.goto(f"/admin/unlocks/unlockrequest/{unlock.pk}/change/")
    page.get_by_label("Account PIN they give").fill("000000")
    page.locator("form[action$='/verify/'] [type=submit]").click()
    page.wait_for_load_state("load")

    shot(page, "console-under-csp")
    assert violations == []
