import pytest

from conftest import shot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_admin_sign_in_page_renders_in_chromium(browser_page):
    browser_page.goto("/admin/login/")
    assert browser_page.get_by_label("Email").is_visible()
    shot(browser_page, "admin-login")
