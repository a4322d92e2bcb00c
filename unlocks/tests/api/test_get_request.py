import uuid

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
