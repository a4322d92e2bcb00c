from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command

COMMITTED = Path(settings.BASE_DIR) / "openapi.yaml"


@pytest.mark.django_db
def test_the_committed_openapi_yaml_is_the_served_schema(client):
    served = yaml.safe_load(client.get("/api/schema/").content)

    assert yaml.safe_load(COMMITTED.read_text()) == served, (
        "openapi.yaml is out of date: run `make schema` and commit it."
    )


def test_the_schema_validates_without_warnings(tmp_path):
    call_command(
        "spectacular", validate=True, fail_on_warn=True, file=str(tmp_path / "openapi.yaml")
    )


@pytest.mark.django_db
def test_the_schema_names_every_error_code_of_an_operation(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    verify = schema["paths"]["/api/v1/unlock-requests/{request_id}/verify/"]["post"]

    codes = {
        status: set(_codes(schema, response))
        for status, response in verify["responses"].items()
        if status >= "400"
    }

    assert codes["403"] == {
        "permission_denied",
        "not_tenant_admin",
        "pin_incorrect",
        "second_factor_incorrect",
    }
    assert codes["423"] == {"pin_locked"}
    assert {
        "consent_required",
        "duplicate_risk_not_acknowledged",
        "invalid",
        "second_factor_required",
    } <= codes["400"]
    assert {"consent_stale", "request_not_pending", "idempotency_key_reused"} <= codes["409"]


@pytest.mark.django_db
def test_the_schema_declares_retry_after_on_every_423_and_429_answer(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    answers = {
        (path, method, status): response
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if status in ("423", "429")
    }

    assert ("/api/v1/unlock-requests/{request_id}/verify/", "post", "423") in answers
    assert ("/api/v1/unlock-requests/{request_id}/verify/", "post", "429") in answers
    assert ("/api/v1/consent/", "get", "429") in answers
    for answer, response in answers.items():
        header = response.get("headers", {}).get("Retry-After")
        assert header, f"{answer} does not declare its Retry-After header"
        assert header["schema"] == {"type": "integer"}, answer
        assert header["required"] is True, answer
        assert "seconds" in header["description"], answer


@pytest.mark.django_db
def test_no_other_answer_declares_retry_after(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status not in ("423", "429"):
                    assert "Retry-After" not in response.get("headers", {}), (path, method, status)


def _codes(schema, response):
    ref = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
    if not ref:
        return []
    error = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]["error"]
    detail = schema["components"]["schemas"][error["$ref"].rsplit("/", 1)[1]]
    return detail["properties"]["code"]["enum"]


@pytest.mark.django_db
def test_swagger_ui_is_served_with_local_assets(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower()
