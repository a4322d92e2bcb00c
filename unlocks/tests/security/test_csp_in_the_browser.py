"""In a real browser, the admin runs under our Content-Security-Policy without a violation."""

import pytest
from playwright.sync_api import Error as PlaywrightError

from accounts.tests.factories import UserFactory
from conftest import shot


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

    shot(browser_page, "admin-under-csp")
    assert violations == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_injected_inline_script_is_blocked(browser_page):
    browser_page.goto("/admin/login/")
    with pytest.raises(PlaywrightError, match="violates the following Content Security Policy"):
        browser_page.add_script_tag(content="window.injected = true;")
    assert browser_page.evaluate("window.injected === undefined")
