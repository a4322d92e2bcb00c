"""Property-based calls against the served schema: no 500s, every answer as documented,
every error in the one error shape, no value the schema allows refused as `invalid`.

Bounded so that `make test` and CI stay quick: a few examples per operation, no
shrinking. `make fuzz` (HYPOTHESIS_PROFILE=fuzz) runs many more, and shrinks what fails.
"""

import json
import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
# Same inputs on every run, so that CI does not flake. NUL bytes too: the schema's patterns
# leave them out, and the API refuses them.
schema.config.generation.update(deterministic=True, allow_x00=True, database="none")

FUZZ = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"


def in_the_error_shape(ctx, response, case):
    """API.md: every error is {"error": {"code", "message", "details"}}, whatever raised it."""
    if response.status_code < 400:
        return None
    body = json.loads(response.content)
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    assert body["error"]["code"] and body["error"]["message"].strip(), body
    return None


@pytest.fixture
def unthrottled(settings):
    settings.API_THROTTLE_RATE = "100000/minute"


@pytest.fixture
def connection_kept_open():
    """The real WSGI handler closes the database connection after each request, which on
    PostgreSQL would end the test's transaction; Django's test client does the same."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=300 if FUZZ else 5,
    deadline=None,
    phases=[Phase.explicit, Phase.generate, *([Phase.shrink] if FUZZ else [])],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_its_schema_says(case, api_key, unthrottled, connection_kept_open):
    case.call_and_validate(
        headers={"Authorization": f"Token {api_key}"},
        # Every check, positive_data_acceptance too: what the schema allows is taken (a
        # refusal by a rule, such as 404 unknown_record or 409, is an answer, not a 400).
        additional_checks=[in_the_error_shape],
    )
