import json

import pytest
from django.test import Client

from unlocks.api import views
from unlocks.tests.api.conftest import error


def test_an_unknown_api_path_is_404_in_the_error_shape(api):
    response = api.get("/api/v1/nothing-here/")

    assert response.status_code == 404
    assert error(response) == "not_found"


def test_an_unknown_api_path_is_json_even_under_debug(api, settings):
    settings.DEBUG = True

    response = api.post("/api/v1/unlock-requests", {}, format="json")

    assert response.status_code == 404
    assert error(response) == "not_found"
    assert "ends with a slash" in response.json()["error"]["message"]


def test_an_unknown_api_path_is_json_for_a_post_with_a_session_cookie(agent_api):
    agent_api.handler.enforce_csrf_checks = True

    response = agent_api.post("/api/v1/unlock-requests/null/undo/", {}, format="json")

    assert response.status_code == 404
    assert error(response) == "not_found"


def test_a_wrong_method_is_405_in_the_error_shape(api):
    response = api.delete("/api/v1/consent/")

    assert response.status_code == 405
    assert error(response) == "method_not_allowed"


def test_a_body_that_is_not_json_is_415(api):
    response = api.post("/api/v1/unlock-requests/", "tenant=acme", content_type="text/plain")

    assert response.status_code == 415
    assert error(response) == "unsupported_media_type"


def test_malformed_json_is_400_invalid(api):
    response = api.post("/api/v1/unlock-requests/", "{oops", content_type="application/json")

    assert response.status_code == 400
    assert error(response) == "invalid"
    message = response.json()["error"]["message"]
    assert message.startswith("The request body is not valid JSON (JSON parse error - ")
    assert message.endswith("(char 1)). Send a JSON object.")


def test_a_chunked_body_without_a_length_is_411_in_the_error_shape():
    from django.test import RequestFactory

    from config.middleware import LengthRequiredMiddleware

    request = RequestFactory().post(
        "/api/v1/unlock-requests/", b"{}", content_type="application/json"
    )
    request.META["HTTP_TRANSFER_ENCODING"] = "chunked"
    del request.META["CONTENT_LENGTH"]

    response = LengthRequiredMiddleware(lambda request: None)(request)

    assert response.status_code == 411
    assert json.loads(response.content)["error"]["code"] == "length_required"
    assert "Content-Length" in json.loads(response.content)["error"]["message"]


def test_a_client_that_accepts_no_json_is_406(api):
    response = api.get("/api/v1/consent/", HTTP_ACCEPT="text/csv")

    assert response.status_code == 406
    assert error(response) == "not_acceptable"


def test_too_many_calls_are_429_with_retry_after(api, settings):
    settings.API_THROTTLE_RATE = "2/minute"
    api.get("/api/v1/consent/")
    api.get("/api/v1/consent/")

    response = api.get("/api/v1/consent/")

    assert response.status_code == 429
    assert error(response) == "throttled"
    retry_after = response.json()["error"]["details"]["retry_after"]
    assert response["Retry-After"] == str(retry_after)
    assert 0 < retry_after <= 60
    message = response.json()["error"]["message"]
    assert f"Wait {retry_after} {'second' if retry_after == 1 else 'seconds'}," in message


def test_throttling_counts_each_client_apart(api, agent_api, settings):
    settings.API_THROTTLE_RATE = "1/minute"
    api.get("/api/v1/consent/")

    assert api.get("/api/v1/consent/").status_code == 429
    assert agent_api.get("/api/v1/consent/").status_code == 200


def test_an_unexpected_fault_is_500_in_the_error_shape_without_a_trace(api, monkeypatch):
    def explode():
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views, "current_consent", explode)

    response = api.get("/api/v1/consent/")

    assert response.status_code == 500
    assert error(response) == "server_error"
    assert "secret internals" not in response.content.decode()
    assert "Traceback" not in response.content.decode()


@pytest.mark.urls("unlocks.tests.api.failing_urls")
def test_a_fault_outside_the_api_views_is_500_json_under_api(db):
    client = Client(raise_request_exception=False)

    response = client.get("/api/v1/broken/")

    assert response.status_code == 500
    assert error(response) == "server_error"


def test_a_chunked_body_is_refused_over_the_whole_stack_with_the_security_headers(api):
    response = api.generic(
        "POST",
        "/api/v1/unlock-requests/",
        b'{"tenant": "acme"}',
        content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
        CONTENT_LENGTH="",
    )

    assert response.status_code == 411
    assert response.json()["error"]["code"] == "length_required"
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response
