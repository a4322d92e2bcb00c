"""CSRF on every form POST of the pages and the console, and on session-authenticated API
POSTs; API keys are not cookies, so calls by key need no token."""

import json
import re

import pytest
from django.test import Client

from accounts.models import Tenant, User
from accounts.pins import pin_matches
from unlocks.links import approval_token
from unlocks.management.commands.seed_demo import DEMO_API_KEY
from unlocks.models import UnlockRequest
from unlocks.tests.api.conftest import OPEN_BODY, error
from unlocks.tests.conftest import open_for

TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
POST_FORM = re.compile(rb"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", re.S | re.I)


@pytest.fixture
def pending(demo):
    return open_for(
        "acme-hvac",
        targets=[{"type": "invoice", "number": "INV-2001"}],
        caller_email="dana@acme.example",
        reason="Needs an edit",
        ticket="ZD-7",
    )


def strict_client(email=None):
    client = Client(enforce_csrf_checks=True)
    if email:
        client.force_login(User.objects.get(email=email))
    return client


def forms(unlock):
    """(page with the form, where it posts, who posts it, what it posts)."""
    approve = f"/approve/{approval_token(unlock)}/"
    request_page = f"/admin/unlocks/unlockrequest/{unlock.pk}/change/"
    pin = {"pin": "483920", "consent_accepted": "on", "consent_version": "1"}
    return [
        ("/accounts/login/", "/accounts/login/", None, {"username": "pat@acme.example"}),
        ("/accounts/password-reset/", "/accounts/password-reset/", None, {"email": "x@y.z"}),
        ("/requests/", "/accounts/logout/", "pat@acme.example", {}),
        (approve, approve, "pat@acme.example", pin),
        (
            "/settings/pin/acme-hvac/",
            "/settings/pin/acme-hvac/",
            "pat@acme.example",
            {"password": "unlock-demo", "new_pin": "583920", "new_pin_again": "583920"},
        ),
        ("/admin/login/", "/admin/login/", None, {"username": "agent@support.example"}),
        (
            "/admin/unlocks/unlockrequest/open/?tenant=acme-hvac&record=invoice:INV-2001",
            "/admin/unlocks/unlockrequest/open/",
            "agent@support.example",
            {"tenant": "acme-hvac", "targets": "invoice:INV-2001"},
        ),
        (
            request_page,
            f"/admin/unlocks/unlockrequest/{unlock.pk}/verify/",
            "agent@support.example",
            {**pin, "admin_email": "pat@acme.example"},
        ),
        (
            request_page,
            f"/admin/unlocks/unlockrequest/{unlock.pk}/cancel/",
            "agent@support.example",
            {"reason": "Asked to"},
        ),
        ("/admin/", "/admin/logout/", "agent@support.example", {}),
        # Second factors: setting an app up, finishing a sign-in, a tenant's requirement.
        (
            "/settings/second-factor/app/",
            "/settings/second-factor/app/",
            "pat@acme.example",
            {"code": "123456"},
        ),
        ("/accounts/second-factor/", "/accounts/second-factor/", "lee@acme.example", {"code": "1"}),
        (
            "/settings/second-factor/acme-hvac/",
            "/settings/second-factor/acme-hvac/",
            "lee@acme.example",
            {"required": "on", "password": "unlock-demo", "code": "123456"},
        ),
    ]


def test_every_form_of_the_pages_and_the_console_carries_a_csrf_token(pending):
    for page, _, email, _ in forms(pending):
        html = strict_client(email).get(page).content
        found = POST_FORM.findall(html)
        assert found, page
        assert all(TOKEN.search(form) for form in found), page


def test_every_form_post_without_the_token_is_refused_and_changes_nothing(pending):
    for _, action, email, data in forms(pending):
        client = strict_client(email)
        response = client.post(action, data)
        assert response.status_code == 403, action
        if email:
            assert "_auth_user_id" in client.session, action  # not signed out either
    pending.refresh_from_db()
    assert pending.is_pending
    assert pin_matches(Tenant.objects.get(slug="acme-hvac").pin_hash, "483920")


def test_the_passkey_ceremonies_refuse_a_post_without_the_token(pending):
    for path in [
        "/settings/second-factor/passkeys/begin/",
        "/settings/second-factor/passkeys/",
        "/accounts/second-factor/passkey/",
    ]:
        client = strict_client("pat@acme.example")
        response = client.post(path, "{}", content_type="application/json")
        assert response.status_code == 403, path
        assert "passkey_registration_state" not in client.session, path


def test_a_session_api_post_without_the_token_is_403_in_the_error_shape(pending):
    agent = strict_client("agent@support.example")
    posts = [
        ("/api/v1/unlock-requests/", OPEN_BODY),
        ("/api/v1/unlock-requests/preview/", OPEN_BODY),
        (f"/api/v1/unlock-requests/{pending.pk}/verify/", {"pin": "483920"}),
        (f"/api/v1/unlock-requests/{pending.pk}/cancel/", {"reason": "Asked to"}),
    ]
    for path, body in posts:
        response = agent.post(path, json.dumps(body), content_type="application/json")
        assert response.status_code == 403, path
        assert error(response) == "permission_denied", path
        assert "X-CSRFToken" in response.json()["error"]["message"], path
    assert UnlockRequest.objects.count() == 1
    pending.refresh_from_db()
    assert pending.is_pending


def test_a_session_api_post_with_the_token_goes_through(pending):
    agent = strict_client("agent@support.example")
    token = TOKEN.search(agent.get("/admin/").content).group(1).decode()

    response = agent.post(
        f"/api/v1/unlock-requests/{pending.pk}/cancel/",
        json.dumps({"reason": "Asked to"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )

    assert response.status_code == 200


def test_an_api_post_by_key_needs_no_csrf_token(pending):
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {DEMO_API_KEY}")

    response = client.post(
        f"/api/v1/unlock-requests/{pending.pk}/cancel/",
        json.dumps({"reason": "Asked to"}),
        content_type="application/json",
    )

    assert response.status_code == 200
