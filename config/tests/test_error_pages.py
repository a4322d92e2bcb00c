"""With DEBUG off, every error a person can meet outside the API is a page in the site's
look that says what happened and what to do next; under /api/ the answer stays JSON."""

import json

import pytest
from django.test import Client

from accounts.tests.factories import TenantFactory, UserFactory, admin_of
from config.errors import csrf_failure

BARE = ("More information is available with DEBUG=True", "<h1>Not Found</h1>", "Traceback")


@pytest.fixture(autouse=True)
def _production_like(settings):
    settings.DEBUG = False


def assert_site_page(response, status):
    page = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert "css/site.css" in page and 'class="brand"' in page
    assert not any(bare in page for bare in BARE)
    return page


@pytest.mark.parametrize(
    "path", ["/nothing-here/", "/receipts/abc/", "/approve/", "/no/such/page/"]
)
def test_an_unknown_address_is_a_not_found_page_that_says_what_to_do(client, db, path):
    page = assert_site_page(client.get(path), 404)
    assert "There is nothing at this address" in page
    assert "open the link again from that email" in page
    assert 'href="/accounts/login/"' in page


def test_the_not_found_page_leads_a_signed_in_agent_to_the_console(db):
    client = Client()
    client.force_login(UserFactory(email="agent@support.test", is_staff=True))
    page = assert_site_page(client.get("/receipts/abc/"), 404)
    assert 'href="/admin/"' in page
    # The header too: the tenant admins' requests page would only tell an agent no.
    assert ">Support console</a>" in page
    assert 'href="/requests/"' not in page


def test_the_not_found_page_leads_a_signed_in_customer_to_their_requests(db):
    client = Client()
    client.force_login(admin_of(TenantFactory(), email="pat@acme.test"))
    page = assert_site_page(client.get("/receipts/abc/"), 404)
    assert 'href="/requests/">Requests</a>' in page
    assert 'href="/admin/"' not in page


def test_an_unknown_api_address_stays_json(client, db):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_form_sent_without_its_csrf_token_explains_what_to_do(db):
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")  # sets the CSRF cookie; the form post leaves the token out

    response = client.post("/accounts/login/", {"username": "x@y.test", "password": "pw"})

    page = assert_site_page(response, 403)
    assert "This form has expired" in page
    assert "open for a long time" in page and "in another tab" in page
    assert "Go back, reload the page, and send it again" in page
    assert "CSRF verification failed" not in page


def test_a_form_sent_without_the_csrf_cookie_asks_to_allow_cookies(db):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"username": "x@y.test", "password": "pw"})

    page = assert_site_page(response, 403)
    assert "allow cookies for this site" in page


def test_an_agent_whose_form_expired_in_the_console_sees_the_same_page(db):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(email="agent@support.test", is_staff=True))

    response = client.post("/admin/unlocks/unlockrequest/open/", {"tenant": "acme"})

    page = assert_site_page(response, 403)
    assert "This form has expired" in page
    assert "agent@support.test" in page  # signed in still, and told so


def test_a_staff_member_without_the_permission_is_told_whom_to_ask(db):
    client = Client()
    client.force_login(UserFactory(email="nobody@support.test", is_staff=True))

    page = assert_site_page(client.get("/admin/unlocks/unlockrequest/lookup/"), 403)

    assert "You are not allowed to see this page" in page
    assert "nobody@support.test" in page
    assert "ask a support lead" in page


@pytest.mark.urls("config.tests.failing_urls")
def test_a_refusal_outside_the_api_is_a_page_and_under_api_json(db):
    client = Client()
    assert "You are not allowed to see this page" in assert_site_page(
        client.get("/forbidden/"), 403
    )
    response = client.get("/api/v1/forbidden/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


@pytest.mark.urls("config.tests.failing_urls")
def test_a_fault_is_a_page_that_says_what_to_do_without_a_trace(db):
    client = Client(raise_request_exception=False)

    page = assert_site_page(client.get("/broken/"), 500)

    assert "Something went wrong on our side" in page
    assert "tell support the time" in page
    assert "secret internals" not in page


def test_a_csrf_failure_under_api_answers_in_the_error_shape(rf):
    # Every API view is exempt (session calls are checked by DRF, in the error shape); should
    # a path under /api/ ever fail Django's own check, it answers JSON all the same.
    response = csrf_failure(rf.post("/api/v1/unlock-requests/"), reason="CSRF cookie not set.")
    assert response.status_code == 403
    body = json.loads(response.content)
    assert body["error"]["code"] == "permission_denied"
    assert "X-CSRFToken" in body["error"]["message"]


def test_an_address_too_long_is_414_in_the_error_shape_under_the_api(client, db):
    response = client.get("/api/v1/unlock-requests/", {"ticket": "Z" * 5000})
    assert response.status_code == 414
    assert response.json()["error"]["code"] == "uri_too_long"
    assert "4096 characters" in response.json()["error"]["message"]


def test_an_address_too_long_is_414_that_says_what_to_do_on_a_page(client, db):
    response = client.get("/records/", {"number": "Z" * 5000})
    assert response.status_code == 414
    assert "longer than this server reads" in response.content.decode()
