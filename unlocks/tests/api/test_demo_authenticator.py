"""The demo's one admin with an authenticator app, whose secret seed_demo prints."""

from base64 import b32decode
from io import StringIO

from django.core.management import call_command
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from unlocks.management.commands.seed_demo import DEMO_API_KEY, DEMO_TOTP_SECRET
from unlocks.tests.api.conftest import verify_body


def test_it_prints_lees_secret_and_keeps_it_once(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=out)

    assert out.getvalue().count(f"lee@acme.example: secret {DEMO_TOTP_SECRET}") == 2
    device = TOTPDevice.objects.get(user__email="lee@acme.example")
    assert device.bin_key == b32decode(DEMO_TOTP_SECRET)
    assert not TOTPDevice.objects.exclude(user__email="lee@acme.example").exists()


def test_a_code_made_from_the_printed_secret_approves_as_lee(demo):
    # End to end on the demo itself, as the README tells a newcomer to try it.
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {DEMO_API_KEY}")
    opened = api.post(
        "/api/v1/unlock-requests/",
        {
            "tenant": "acme-hvac",
            "targets": [{"type": "invoice", "number": "INV-2001"}],
            "caller": {"name": "Lee Chen", "email": "lee@acme.example"},
            "channel": "phone",
            "reason": "Imported by mistake",
        },
        format="json",
    ).json()
    code = f"{TOTP(b32decode(DEMO_TOTP_SECRET)).token():06d}"

    response = api.post(
        f"/api/v1/unlock-requests/{opened['id']}/verify/",
        verify_body(admin_email="lee@acme.example", pin="483920", admin_code=code),
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["approved_with"] == ["pin", "totp"]
