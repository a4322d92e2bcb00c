"""A client generated from openapi.yaml by a common generator (openapi-python-client, as a
helpdesk's developer would make one) handles every answer the server gives, errors
included: each status is one the schema lists for the operation, and each body parses into
the model the schema names, with its code among those the schema says. A generated client
raises on anything else, which is how the contract's gaps were found (411, 414, a code
sent too soon)."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from accounts.tests.factories import PIN, code_now, wrong_code

ROOT = Path(__file__).resolve().parents[3]

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The package openapi-python-client makes of openapi.yaml, imported."""
    where = tmp_path_factory.mktemp("client")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    made = subprocess.run(
        [
            Path(sys.executable).parent / "openapi-python-client",
            "generate",
            "--path",
            ROOT / "openapi.yaml",
            "--meta",
            "none",
            "--output-path",
            where / "unlock_client",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    sys.path.insert(0, str(where))
    try:
        yield importlib.import_module("unlock_client")
    finally:
        sys.path.remove(str(where))
        for name in [n for n in sys.modules if n.split(".")[0] == "unlock_client"]:
            del sys.modules[name]


def op(generated, name):
    return importlib.import_module(f"unlock_client.api.api.{name}")


def answered(response, status):
    """The generated client's answer: the status expected, the body parsed (never None,
    which is how it says "not in the schema")."""
    assert response.status_code == status, response.content
    assert response.parsed is not None, response.content
    return response.parsed


def test_every_answer_of_the_flow_is_one_the_schema_lists(
    generated, live_server, api_key, lee, settings
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    client = generated.AuthenticatedClient(
        base_url=live_server.url, token=api_key, prefix="Token", raise_on_unexpected_status=True
    )
    models = importlib.import_module("unlock_client.models")
    create = op(generated, "unlock_requests_create")
    verify = op(generated, "unlock_requests_verify")

    def body(*targets):
        return models.UnlockRequestInRequest.from_dict(
            {
                "tenant": "acme",
                "targets": [{"type": t, "number": n} for t, n in targets],
                "caller": {"name": "Dana Ruiz", "email": "dana@acme.test"},
                "channel": "phone",
                "reason": "Imported by mistake",
            }
        )

    def verify_body(**changes):
        return models.VerifyInRequest.from_dict(
            {
                "admin_email": "pat@acme.test",
                "pin": PIN,
                "consent_version": 1,
                "consent_accepted": True,
                **changes,
            }
        )

    answered(op(generated, "consent_current").sync_detailed(client=client), 200)
    opened = answered(create.sync_detailed(client=client, body=body(("invoice", "INV-2001"))), 201)
    refused = answered(create.sync_detailed(client=client, body=body(("batch", "B-1002"))), 409)
    assert refused.error.code.value == "exported_batch"
    twice = body(("invoice", "INV-2001"), ("invoice", "INV-2001 "))
    assert answered(create.sync_detailed(client=client, body=twice), 400).error.code.value == (
        "invalid"
    )
    unknown = answered(create.sync_detailed(client=client, body=body(("invoice", "NOPE"))), 404)
    assert unknown.error.code.value == "unknown_record"

    wrong = answered(
        verify.sync_detailed(opened.id, client=client, body=verify_body(pin="604812")), 403
    )
    assert wrong.error.code.value == "pin_incorrect"
    bad_code = verify_body(admin_email="lee@acme.test", admin_code=wrong_code(lee))
    assert answered(verify.sync_detailed(opened.id, client=client, body=bad_code), 403)
    too_soon = verify_body(admin_email="lee@acme.test", admin_code=code_now(lee))
    wait = answered(verify.sync_detailed(opened.id, client=client, body=too_soon), 429)
    assert wait.error.code.value == "second_factor_wait"

    listing = op(generated, "unlock_requests_list")
    long = answered(listing.sync_detailed(client=client, ticket="Z" * 5000), 414)
    assert long.error.code.value == "uri_too_long"
    answered(op(generated, "unlock_requests_retrieve").sync_detailed(opened.id, client=client), 200)

    # A chunked body, which this client never sends: its answer parses all the same.
    chunked = httpx.post(
        f"{live_server.url}/api/v1/unlock-requests/{opened.id}/verify/",
        content=iter([b'{"pin": "1"}']),
        headers={"Authorization": f"Token {api_key}", "Content-Type": "application/json"},
    )
    assert chunked.status_code == 411
    parsed = verify._build_response(client=client, response=chunked)
    assert parsed.parsed.error.code.value == "length_required"

    anonymous = generated.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    assert (
        answered(
            op(generated, "consent_current").sync_detailed(client=anonymous), 401
        ).error.code.value
        == "not_authenticated"
    )
