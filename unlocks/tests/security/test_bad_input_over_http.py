"""Bad input through the doors users use: a clear 4xx in the error shape on the API, a
clear page elsewhere, never a 500; SQL and HTML are data, and pages show HTML escaped."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import PIN
from unlocks.links import approval_token
from unlocks.models import UnlockRequest
from unlocks.tests.api.conftest import OPEN_BODY, error

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
SQL = "B-1001' OR '1'='1"


@pytest.fixture
def api(api_key, settings):
    settings.API_THROTTLE_RATE = "100000/minute"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key}")
    return client


def signed_in(email):
    client = Client()
    client.force_login(User.objects.get(email=email))
    return client


def post_raw(api, path, body, content_type="application/json"):
    return api.generic("POST", path, body, content_type=content_type)


@pytest.mark.parametrize("path", ["/api/v1/unlock-requests/", "/api/v1/unlock-requests/preview/"])
def test_an_oversized_body_is_413_request_too_large(api, settings, path):
    body = json.dumps({**OPEN_BODY, "reason": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})

    response = post_raw(api, path, body)

    assert response.status_code == 413
    assert error(response) == "request_too_large"
    assert "KiB" in response.json()["error"]["message"]
    assert not UnlockRequest.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"tenant": ' * 5_000 + "1" + "}" * 5_000,
        json.dumps({**OPEN_BODY, "caller": {"name": {"a": {"b": {"c": [[[[["deep"]]]]]}}}}}),
    ],
    ids=["deep array", "deep object", "nested where text belongs"],
)
def test_deeply_nested_json_is_400_invalid(api, body):
    response = post_raw(api, "/api/v1/unlock-requests/", body)

    assert response.status_code == 400
    assert error(response) == "invalid"


@pytest.mark.parametrize(
    "body",
    [b'{"tenant": "\xff\xfe"}', b"\xc3\x28", b'{"reason": "\\ud800"}'],
    ids=["bad bytes", "bad start", "lone surrogate"],
)
def test_invalid_utf8_in_a_json_body_is_400_invalid(api, body):
    response = post_raw(api, "/api/v1/unlock-requests/", body)

    assert response.status_code == 400
    assert error(response) == "invalid"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("tenant=acme", "application/x-www-form-urlencoded"),
        ("hello", "text/plain"),
        ("<unlock/>", "application/xml"),
        (json.dumps(OPEN_BODY), "text/html"),
        (json.dumps(OPEN_BODY), ""),
    ],
)
def test_a_wrong_content_type_is_415(api, body, content_type):
    response = post_raw(api, "/api/v1/unlock-requests/", body, content_type)

    assert response.status_code == 415
    assert error(response) == "unsupported_media_type"


@pytest.mark.parametrize("count", [101, 5_000])
def test_a_huge_target_list_is_400_invalid(api, count):
    targets = [{"type": "invoice", "number": f"INV-{i}"} for i in range(count)]

    response = api.post(
        "/api/v1/unlock-requests/", {**OPEN_BODY, "targets": targets}, format="json"
    )

    assert response.status_code == 400
    assert error(response) == "invalid"
    assert "targets" in response.json()["error"]["details"]


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/v1/tenants/acme'--/records/batch/B-1001/", 404, "not_found"),
        ("/api/v1/tenants/acme/records/batch/B-1001' OR '1'='1/", 404, "unknown_record"),
        ("/api/v1/tenants/acme/records/batch/%3Cb%3EB-1001/", 404, "unknown_record"),
        ("/api/v1/tenants/acme/records/batch/%3Cb%3EB%3C%2Fb%3E/", 404, "not_found"),
        ("/api/v1/tenants/acme/records/table;DROP/B-1001/", 404, "not_found"),
        ("/api/v1/unlock-requests/?tenant=acme'--", 400, "invalid"),
        ("/api/v1/unlock-requests/?status=<b>x</b>", 400, "invalid"),
        ("/api/v1/unlock-requests/?page=1%20OR%201=1", 400, "invalid"),
        ("/api/v1/unlock-requests/?page=99999999999999999999999", 404, "not_found"),
        ("/api/v1/audit/?tenant=acme&request=1%20OR%201=1", 400, "invalid"),
        ("/api/v1/audit/?tenant=acme&since=%27;--", 400, "invalid"),
        ("/api/v1/audit/verify/?tenant=<script>", 400, "invalid"),
        ("/api/v1/audit/verify/?tenant=zzz-no-such", 404, "unknown_tenant"),
    ],
)
def test_sql_and_html_in_numbers_slugs_and_queries_are_clear_4xx(api, path, status, code):
    response = api.get(path)

    assert (response.status_code, error(response)) == (status, code)


def test_sql_and_html_in_a_target_number_are_a_clear_refusal(api):
    for number in (SQL, SCRIPT, "INV-1' ; DELETE FROM unlocks_invoice; --"):
        body = {**OPEN_BODY, "targets": [{"type": "invoice", "number": number}]}
        response = api.post("/api/v1/unlock-requests/", body, format="json")
        assert (response.status_code, error(response)) in {
            (404, "unknown_record"),
            (400, "invalid"),
        }


def test_html_in_what_a_caller_says_is_escaped_on_every_page_that_shows_it(api):
    body = {
        **OPEN_BODY,
        "targets": [{"type": "invoice", "number": "INV-2001"}],
        "caller": {"name": SCRIPT, "email": "dana@acme.test"},
        "reason": f"Needs an edit {SCRIPT}",
        "ticket": "ZD-<b>1</b>",
    }
    response = api.post("/api/v1/unlock-requests/", body, format="json")
    assert response.status_code == 201
    unlock = UnlockRequest.objects.get(pk=response.json()["id"])
    assert unlock.caller_name == SCRIPT  # stored as plain text, as sent

    pages = {
        "PIN page": signed_in("pat@acme.test").get(f"/approve/{approval_token(unlock)}/"),
        "request list": signed_in("pat@acme.test").get("/requests/"),
        "console": signed_in("avery@support.test").get(
            f"/admin/unlocks/unlockrequest/{unlock.pk}/change/"
        ),
    }
    for name, page in pages.items():
        html = page.content.decode()
        assert page.status_code == 200, name
        assert SCRIPT not in html and "<b>1</b>" not in html, name
        assert ESCAPED in html, name


def test_html_and_sql_in_the_console_lookup_are_shown_escaped(books):
    agent = signed_in("avery@support.test")

    by_html = agent.get("/admin/unlocks/unlockrequest/lookup/", {"q": f"acme {SCRIPT}"})
    by_sql = agent.get("/admin/unlocks/unlockrequest/lookup/", {"q": f"acme {SQL}"})
    by_slug = agent.get("/admin/unlocks/unlockrequest/lookup/", {"q": "<marquee>'-- B-1001"})

    for response in (by_html, by_sql, by_slug):
        assert response.status_code == 200
        assert SCRIPT not in response.content.decode()
    assert "Type a record number (B-1001)" in by_sql.content.decode()
    slug_page = by_slug.content.decode()
    assert "There is no tenant with the slug" in slug_page
    assert "&lt;marquee&gt;" in slug_page and "<marquee>" not in slug_page


def form_posts(unlock):
    """Each form of the pages, with where it posts and who may post it."""
    return [
        ("/accounts/login/", None),
        ("/accounts/password-reset/", None),
        (f"/approve/{approval_token(unlock)}/", "pat@acme.test"),
        ("/admin/login/", None),
        ("/admin/unlocks/unlockrequest/open/", "avery@support.test"),
        (f"/admin/unlocks/unlockrequest/{unlock.pk}/verify/", "avery@support.test"),
        (f"/admin/unlocks/unlockrequest/{unlock.pk}/cancel/", "avery@support.test"),
    ]


@pytest.fixture
def pending(api):
    body = {**OPEN_BODY, "targets": [{"type": "invoice", "number": "INV-2001"}]}
    response = api.post("/api/v1/unlock-requests/", body, format="json")
    return UnlockRequest.objects.get(pk=response.json()["id"])


def test_invalid_utf8_in_a_form_post_gets_the_form_back_not_a_500(pending):
    for path, email in form_posts(pending):
        client = signed_in(email) if email else Client()
        response = client.post(
            path,
            b"username=%FF%FE&email=\xff&pin=\xff\xfe&reason=%C3%28&tenant=\xc3\x28&admin_email=%FF",
            content_type="application/x-www-form-urlencoded",
        )
        # The cancel form takes the garbled reason (U+FFFD) as a reason and redirects.
        assert response.status_code in {200, 302, 400, 403}, path
        if response.status_code != 302:
            assert "<form" in response.content.decode(errors="replace"), path


def test_an_oversized_form_post_gets_a_page_that_says_what_to_do(pending, settings):
    for path, email in form_posts(pending):
        client = signed_in(email) if email else Client()
        response = client.post(path, {"reason": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
        assert response.status_code == 400, path
        page = response.content.decode()
        assert "We could not read that request" in page, path
        assert "send it again" in page, path


def test_a_form_post_of_json_gets_the_form_back(pending):
    for path, email in form_posts(pending):
        client = signed_in(email) if email else Client()
        response = client.post(path, json.dumps({"pin": PIN}), content_type="application/json")
        assert response.status_code in {200, 400, 403}, path
    pending.refresh_from_db()
    assert pending.is_pending


def test_a_huge_list_of_numbers_in_the_console_is_refused_before_any_lookup(books):
    agent = signed_in("avery@support.test")
    numbers = ", ".join(f"INV-{i}" for i in range(5_000))
    form = {
        "tenant": "acme",
        "more_numbers": numbers,
        "caller_name": "Dana",
        "caller_email": "dana@acme.test",
        "channel": "phone",
        "reason": "Many",
    }

    with CaptureQueriesContext(connection) as queries:
        response = agent.post("/admin/unlocks/unlockrequest/open/", form)

    assert response.status_code == 200
    assert "one request unlocks at most 100 records" in response.content.decode()
    assert len(queries) < 20
    assert not UnlockRequest.objects.exists()
