"""The log lines: JSON where asked, each carrying its request's id (the one the audit entry
and the X-Request-ID header carry), and never a secret, across the flows that handle them."""

import io
import json
import logging
import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import User
from accounts.tests.factories import PIN, code_now, wrong_code
from audit.models import AuditAction, AuditEntry
from core.logs import Context, Json
from notifications.models import WebhookEndpoint

# The outbox's loopback webhook receiver.
from notifications.tests.conftest import receiver  # noqa: F401
from unlocks.tests import factories as f
from unlocks.tests.api.conftest import OPEN_BODY, open_request, verify_body
from unlocks.tests.conftest import open_for
from unlocks.tests.pages.conftest import approval, approve_path


@pytest.fixture
def lines(settings):
    """Every line logged during the test, at every level, as LOG_FORMAT=json writes it."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(Json())
    handler.addFilter(Context())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


# The emails and webhook calls go out when the change commits: for real here.
@pytest.mark.django_db(transaction=True)
def test_the_lines_of_a_request_carry_its_id_tenant_and_actor(api, lines, receiver):  # noqa: F811
    WebhookEndpoint.objects.create(name="Zendesk", url=receiver.url, secret="s3cret-for-tests")

    response = api.post(
        "/api/v1/unlock-requests/",
        {**OPEN_BODY, "targets": [{"type": "invoice", "number": "INV-2001"}]},
        format="json",
    )

    assert response.status_code == 201
    request_id = response["X-Request-ID"]
    entry = AuditEntry.objects.get(action=AuditAction.REQUEST_OPENED)
    assert entry.http_request_id == request_id
    mine = [line for line in lines() if line.get("request_id") == request_id]
    (answer,) = [line for line in mine if line["logger"] == "unlockdesk.requests"]
    assert answer["method"] == "POST"
    assert answer["path"] == "/api/v1/unlock-requests/"
    assert answer["view"] == "api-requests"
    assert answer["status"] == 201
    assert answer["duration_ms"] > 0
    assert answer["tenant"] == "acme"
    assert re.fullmatch(r"api_client:\d+", answer["actor"])
    assert answer["level"] == "INFO"
    assert answer["time"].endswith("+00:00")
    # The emails and the webhook call went out (in-process) within the request: their lines
    # name the outbox row and the try, under the request's id.
    tries = [line for line in mine if line["logger"] == "notifications.services"]
    assert sorted(line["kind"] for line in tries) == ["email", "email", "webhook"]
    assert all(line["attempt"] == 1 and line["result"] == "delivered" for line in tries)
    assert all(isinstance(line["outbox_message"], int) for line in tries)


@pytest.fixture
def unlock(tenant):
    return open_for(tenant, f.imported_invoice(tenant))


def test_a_refused_request_logs_django_s_warning_with_its_id_and_no_token(
    client, admin, unlock, lines
):
    client.force_login(admin)

    response = client.post(approve_path(unlock), approval(unlock, pin="000000"))

    assert response.status_code == 403
    (warning,) = [line for line in lines() if line["logger"] == "django.request"]
    assert warning["request_id"] == response["X-Request-ID"]
    assert warning["message"] == "Forbidden: /approve/…/"
    assert "request" not in warning


@pytest.mark.django_db(transaction=True)
def test_no_secret_reaches_a_log_line(api, api_key, lines, receiver, settings):  # noqa: F811
    endpoint = WebhookEndpoint.objects.create(
        name="Zendesk", url=receiver.url, secret="whsec-never-logged"
    )
    secrets = {
        "PIN": PIN,
        "pepper": settings.PIN_PEPPER,
        "API key": api_key,
        "webhook secret": endpoint.secret,
        "secret key": settings.SECRET_KEY,
    }
    lee = User.objects.get(email="lee@acme.test")

    # The API: open with the key, a wrong PIN, a wrong code, then the right PIN and code.
    opened = open_request(api)
    api.post(_verify(opened), verify_body(pin="918273"), format="json")
    secrets["wrong PIN"] = "918273"
    code = wrong_code(lee)
    secrets["wrong code"] = code
    api.post(_verify(opened), verify_body(admin_email=lee.email, admin_code=code), format="json")
    code = code_now(lee)
    secrets["code"] = code
    answer = api.post(
        _verify(opened), verify_body(admin_email=lee.email, admin_code=code), format="json"
    )
    assert answer.status_code == 200, answer.json()
    # A bad key, as an attacker would send one.
    Client().get("/api/v1/unlock-requests/", HTTP_AUTHORIZATION="Token guessed-key-0001")
    secrets["guessed key"] = "guessed-key-0001"

    # The PIN page: a dead link, a wrong PIN, the right one, by the emailed link's token.
    pat = User.objects.get(email="pat@acme.test")
    unlock = open_for("acme", f.imported_invoice(pat.memberships.get().tenant))
    path = approve_path(unlock)
    secrets["approval token"] = path.split("/")[-2]
    browser = Client()
    assert browser.get(path).status_code == 302  # to sign in first
    browser.force_login(pat)
    assert browser.get("/approve/not-a-real-link-token-42/").status_code == 404
    secrets["dead token"] = "not-a-real-link-token-42"
    browser.post(path, approval(unlock, pin="527384"))
    secrets["wrong PIN on the page"] = "527384"
    browser.post(path, approval(unlock))

    # Signing in: a wrong password, then the right one.
    signing = Client()
    signing.post("/accounts/login/", {"username": "pat@acme.test", "password": "Wr0ng-pass!"})
    secrets["wrong password"] = "Wr0ng-pass!"
    signing.post("/accounts/login/", {"username": "pat@acme.test", "password": "pw-for-tests-1"})
    secrets["password"] = "pw-for-tests-1"

    # A password reset by its emailed link, to a new password.
    resetting = Client()
    mail.outbox.clear()
    resetting.post("/accounts/password-reset/", {"email": "dana@acme.test"})
    link = re.search(r"https?://\S+(/accounts/reset/\S+/)", mail.outbox[-1].body).group(1)
    secrets["reset token"] = link.split("/")[-2]
    chosen = resetting.get(link, follow=True)
    new = "a-calm-new-passphrase-77"
    resetting.post(chosen.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    secrets["new password"] = new

    logged = "\n".join(json.dumps(line) for line in lines())
    assert len(lines()) > 20  # the flows did log: this test reads real lines
    leaked = {name: value for name, value in secrets.items() if value and value in logged}
    assert leaked == {}


def _verify(opened):
    return f"/api/v1/unlock-requests/{opened['id']}/verify/"
