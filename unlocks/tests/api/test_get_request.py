import uuid

import pytest

from unlocks.tests.api.conftest import error, open_request


def test_it_returns_the_request(api):
    opened = open_request(api)

    response = api.get(f"/api/v1/unlock-requests/{opened['id']}/")

    assert response.status_code == 200
    assert response.json() == opened


def test_it_answers_404_for_an_unknown_id(api):
    response = api.get(f"/api/v1/unlock-requests/{uuid.uuid4()}/")

    assert response.status_code == 404
    assert error(response) == "not_found"


def test_it_answers_404_in_the_error_shape_for_an_id_that_is_no_uuid(api):
    response = api.get("/api/v1/unlock-requests/not-a-uuid/")

    assert response.status_code == 404
    assert error(response) == "not_found"


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("route", ["", "verify/", "cancel/"])
def test_it_says_an_id_that_is_no_uuid_is_no_request_id_on_every_route(api, route, method):
    response = getattr(api, method)(f"/api/v1/unlock-requests/not-a-uuid/{route}", format="json")

    assert response.status_code == 404
    assert error(response) == "not_found"
    message = response.json()["error"]["message"]
    assert message.startswith('"not-a-uuid" is not an unlock request id: request ids are UUIDs')
    assert "list the tenant's requests" in message
    assert "no API endpoint" not in message
    assert response.json()["error"]["details"] == {"id": "not-a-uuid"}


def test_it_says_how_to_write_a_uuid_written_otherwise(api):
    opened = open_request(api)

    response = api.get(f"/api/v1/unlock-requests/{opened['id'].upper()}/")

    assert response.status_code == 404
    assert error(response) == "not_found"
    assert f"put {opened['id']} in the path instead" in response.json()["error"]["message"]


def test_it_says_so_for_a_post_with_a_session_cookie_and_no_csrf_token(agent_api):
    agent_api.handler.enforce_csrf_checks = True

    response = agent_api.post("/api/v1/unlock-requests/123/cancel/", {}, format="json")

    assert response.status_code == 404
    assert error(response) == "not_found"
    assert "is not an unlock request id" in response.json()["error"]["message"]


def test_it_still_says_a_path_without_its_trailing_slash_is_no_endpoint(api):
    response = api.get("/api/v1/unlock-requests/not-a-uuid")

    assert response.status_code == 404
    assert "ends with a slash" in response.json()["error"]["message"]
