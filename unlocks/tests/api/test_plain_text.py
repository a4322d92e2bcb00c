"""Every input field takes what the served schema says and refuses what it does not: a
control character (U+001D in a record number, a NUL in a ticket, a PIN or an admin's
email) is 400 `invalid`, with a message that names the character and says what to do.
The schema's patterns are the serializers' own validators, so the two cannot drift."""

import json
import re
import sys

import jsonschema
import pytest
import yaml
from django.core.validators import EmailValidator
from hypothesis import given
from hypothesis import strategies as st

from audit.models import AuditEntry
from unlocks.api import serializers
from unlocks.models import RequestStatus, UnlockRequest
from unlocks.tests.api.conftest import body, error, open_request, verify_body

GS = "The record number holds a control character (U+001D); type it again without it."


def refusal(response):
    """The field messages of a 400 `invalid`."""
    assert response.status_code == 400, response.json()
    assert error(response) == "invalid"
    return response.json()["error"]["details"]


def create(api, **changes):
    return api.post("/api/v1/unlock-requests/", body(**changes), format="json")


def post_json(api, path, data):
    # json.dumps writes a lone surrogate as its \ud800 escape, as a client might send it.
    return api.generic("POST", path, json.dumps(data), content_type="application/json")


@pytest.fixture
def schema(client, db):
    return yaml.safe_load(client.get("/api/schema/").content)


def body_field(schema, component, *path):
    field = schema["components"]["schemas"][component]
    for name in path:
        field = field["properties"][name]
        if "$ref" in field:
            field = schema["components"]["schemas"][field["$ref"].rsplit("/", 1)[1]]
        if field.get("type") == "array":
            field = field["items"]
            field = schema["components"]["schemas"][field["$ref"].rsplit("/", 1)[1]]
    return field


def query_field(schema, path, name):
    [parameter] = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name]
    return parameter["schema"]


def allows(field_schema, value):
    return jsonschema.Draft4Validator(field_schema).is_valid(value)


# ---------------------------------------------------------------- bodies

# (field as the changes to OPEN_BODY, the detail's key, the message)
REFUSED_ON_OPEN = [
    (
        {"targets": [{"type": "invoice", "number": "\u001d"}]},
        "targets[0].number",
        GS,
    ),
    (
        {"targets": [{"type": "invoice", "number": "INV-\u001d2001"}]},
        "targets[0].number",
        GS,
    ),
    (
        {"targets": [{"type": "invoice", "number": "INV-2001\x00"}]},
        "targets[0].number",
        "The record number holds a NUL byte (U+0000); type it again without it.",
    ),
    (
        {"targets": [{"type": "invoice", "number": "INV-\t2001"}]},
        "targets[0].number",
        "The record number holds a tab (U+0009); type it again without it.",
    ),
    (
        {"caller": {"name": "Dana\x07Ruiz", "email": "dana@acme.test"}},
        "caller.name",
        "The caller's name holds a control character (U+0007); type it again without it.",
    ),
    (
        {"caller": {"name": "Dana Ruiz", "email": "dana@acme.test\x00"}},
        "caller.email",
        "The caller's email holds a NUL byte (U+0000); type it again without it.",
    ),
    (
        {"caller": {"name": "Dana Ruiz", "email": "dana@acme.e"}},
        "caller.email",
        "The caller's email is not an address such as dana@acme.example; check it and "
        "type it again.",
    ),
    (
        {"reason": "Bypassed\x00by mistake"},
        "reason",
        "The reason holds a NUL byte (U+0000); type it again without it.",
    ),
    (
        {"reason": "Bypassed\x0bby mistake"},
        "reason",
        "The reason holds a control character (U+000B); type it again without it.",
    ),
    (
        {"ticket": "ZD-5521\x00"},
        "ticket",
        "The ticket id holds a NUL byte (U+0000); type it again without it.",
    ),
    (
        {"ticket": "\u0085"},
        "ticket",
        "The ticket id holds a control character (U+0085); type it again without it.",
    ),
]


@pytest.mark.parametrize(("changes", "field", "message"), REFUSED_ON_OPEN)
def test_opening_refuses_a_control_character_and_says_which(api, changes, field, message):
    response = post_json(api, "/api/v1/unlock-requests/", body(**changes))

    assert refusal(response) == {field: message}
    assert response.json()["error"]["message"] == (
        f"The request is not valid: {field}: {message.rstrip('.')}. Fix these and retry."
    )
    assert not UnlockRequest.objects.exists()
    assert not AuditEntry.objects.filter(action="open_refused").exists()


@pytest.mark.parametrize(("changes", "field", "message"), REFUSED_ON_OPEN[:4])
def test_preview_refuses_the_same_numbers(api, changes, field, message):
    response = post_json(api, "/api/v1/unlock-requests/preview/", body(**changes))

    assert refusal(response) == {field: message}


def test_opening_refuses_half_a_character(api):
    # No JSON Schema string holds one: it is not Unicode text, what a pattern reads.
    number = "INV-\ud8002001"

    response = post_json(
        api, "/api/v1/unlock-requests/", body(targets=[{"type": "invoice", "number": number}])
    )

    assert refusal(response) == {
        "targets[0].number": "The record number holds broken text (U+D800, half of a "
        "character); type it again."
    }


@pytest.mark.parametrize(("changes", "field", "message"), REFUSED_ON_OPEN)
def test_the_schema_refuses_what_opening_refuses(schema, changes, field, message):
    [(name, value)] = changes.items()
    if name == "targets":
        [value] = value
        field_schema = body_field(schema, "UnlockRequestInRequest", "targets")
    elif name == "caller":
        field_schema = body_field(schema, "UnlockRequestInRequest", "caller")
    else:
        field_schema = body_field(schema, "UnlockRequestInRequest")["properties"][name]

    assert not allows(field_schema, value)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"pin": "4839\x0020"},
            "The PIN holds a NUL byte (U+0000); type it again without it.",
        ),
        (
            {"pin": "483\t920"},
            "The PIN holds a tab (U+0009); type it again without it.",
        ),
        (
            {"admin_email": "pat@acme.test\x00"},
            "The admin's email holds a NUL byte (U+0000); type it again without it.",
        ),
        (
            {"admin_email": "\u001f"},
            "The admin's email holds a control character (U+001F); type it again without it.",
        ),
    ],
)
def test_verify_refuses_a_control_character_and_counts_no_wrong_pin(api, schema, changes, message):
    opened = open_request(api, ("invoice", "INV-2001"))
    [(field, value)] = changes.items()

    response = post_json(
        api, f"/api/v1/unlock-requests/{opened['id']}/verify/", verify_body(**changes)
    )

    assert refusal(response) == {field: message}
    assert not allows(body_field(schema, "VerifyInRequest")["properties"][field], value)
    assert UnlockRequest.objects.get(pk=opened["id"]).status == RequestStatus.PENDING
    assert not AuditEntry.objects.filter(action="pin_incorrect").exists()


def test_cancel_refuses_a_reason_with_a_nul_byte(api, schema):
    opened = open_request(api)

    response = post_json(
        api, f"/api/v1/unlock-requests/{opened['id']}/cancel/", {"reason": "Fixed\x00"}
    )

    assert refusal(response) == {
        "reason": "The reason holds a NUL byte (U+0000); type it again without it."
    }
    assert not allows(body_field(schema, "CancelInRequest")["properties"]["reason"], "Fixed\x00")
    assert UnlockRequest.objects.get(pk=opened["id"]).status == RequestStatus.PENDING


# ---------------------------------------------------------------- queries


@pytest.mark.parametrize(
    ("path", "name", "value", "message"),
    [
        (
            "/api/v1/unlock-requests/",
            "ticket",
            "ZD-5521\x00",
            "The ticket id holds a NUL byte (U+0000); type it again without it.",
        ),
        ("/api/v1/audit/", "record", "B-1001\u001d", GS),
    ],
)
def test_a_filter_refuses_a_control_character(api, schema, path, name, value, message):
    response = api.get(path, {name: value})

    assert refusal(response) == {name: message}
    assert not allows(query_field(schema, path, name), value)


def test_the_time_filters_take_a_time_past_either_end_of_the_calendar(api, schema):
    entries = api.get("/api/v1/audit/").json()["count"]
    earliest, latest = "0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"

    assert api.get("/api/v1/audit/", {"since": earliest}).json()["count"] == entries
    assert api.get("/api/v1/audit/", {"until": latest}).json()["count"] == entries
    assert api.get("/api/v1/audit/", {"until": earliest}).json()["count"] == 0
    assert api.get("/api/v1/audit/", {"since": latest}).json()["count"] == 0
    assert allows(query_field(schema, "/api/v1/audit/", "since"), earliest)


@pytest.mark.parametrize(
    "time", ["2024-05-01t09:30:00z", "2016-12-31T23:59:60Z", "0000-01-01T00:00:00Z"]
)
def test_the_schema_leaves_out_the_rfc_3339_times_the_api_cannot_read(api, schema, time):
    response = api.get("/api/v1/audit/", {"since": time})

    assert "since" in refusal(response)
    assert not allows(query_field(schema, "/api/v1/audit/", "since"), time)


# ---------------------------------------------------------------- what stays accepted


def test_blanks_around_a_value_are_taken_off(api):
    opened = open_request(
        api,
        ("invoice", " INV-2001\n"),
        caller={"name": "\tDana Ruiz ", "email": " dana@acme.test"},
        ticket="  ",
    )

    assert opened["targets"][0]["number"] == "INV-2001"
    assert opened["caller"]["name"] == "Dana Ruiz"
    assert opened["ticket"] == ""


def test_a_reason_keeps_its_tabs_and_line_breaks(api):
    reason = "Bypassed by mistake.\r\n\tThe customer re-exports it today."

    opened = open_request(api, reason=reason)

    assert UnlockRequest.objects.get(pk=opened["id"]).reason == reason


@pytest.mark.parametrize("email", ["dana.ruiz+desk@acme.test", "dana@bücher.example"])
def test_it_takes_an_email_address_as_people_write_it(api, schema, email):
    opened = open_request(api, caller={"name": "Dana Ruiz", "email": email})

    assert opened["caller"]["email"] == email
    assert allows(
        body_field(schema, "UnlockRequestInRequest", "caller"), {"name": "D", "email": email}
    )


def test_a_target_names_only_its_type_and_number(api, schema):
    target = {"type": "invoice", "number": "INV-2001"}
    twice = body(targets=[target, {**target, "note": "again"}])

    # The schema allows no other key, so that its uniqueItems means what the API checks...
    assert body_field(schema, "UnlockRequestInRequest", "targets")["additionalProperties"] is False
    assert "named twice" in refusal(post_json(api, "/api/v1/unlock-requests/", twice))["targets"]
    # ...and the API ignores one it is sent.
    assert create(api, targets=[{**target, "note": "from the preview"}]).status_code == 201


def test_a_request_id_in_capitals_is_left_out_by_the_schema_and_answered_404(api, schema):
    opened = open_request(api)
    [parameter] = [
        p
        for p in schema["paths"]["/api/v1/unlock-requests/{request_id}/"]["get"]["parameters"]
        if p["name"] == "request_id"
    ]

    assert not allows(parameter["schema"], opened["id"].upper())
    assert api.get(f"/api/v1/unlock-requests/{opened['id'].upper()}/").status_code == 404


# ---------------------------------------------------------------- the patterns themselves


def test_the_blanks_of_the_patterns_are_those_that_str_strip_takes_off():
    blank = re.compile(f"[{serializers.BLANKS}]")
    control = re.compile(f"[{serializers.CONTROLS}]")
    every = [chr(code) for code in range(sys.maxunicode + 1)]

    assert {c for c in every if blank.match(c)} == {
        c for c in every if c.isspace() and not control.match(c)
    }


@given(st.from_regex(serializers.EMAIL_PATTERN, fullmatch=True))
def test_every_address_the_pattern_takes_django_takes_too(address):
    EmailValidator()(address)
