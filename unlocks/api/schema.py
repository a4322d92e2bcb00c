"""OpenAPI descriptions of the error answers: every code each operation can return."""

from django.urls.converters import SlugConverter, StringConverter, UUIDConverter
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

REASONS = {
    400: "Bad request",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    411: "Length required",
    413: "Too large",
    414: "Address too long",
    415: "Unsupported media type",
    423: "Locked",
    429: "Throttled",
    500: "Server error",
    503: "Unavailable",
}

# What any authenticated endpoint can answer.
COMMON = {
    401: ["not_authenticated", "authentication_failed"],
    403: ["permission_denied"],
    405: ["method_not_allowed"],
    406: ["not_acceptable"],
    414: ["uri_too_long"],
    429: ["throttled"],
    500: ["server_error"],
}
# What any endpoint with a JSON body can answer on top.
WITH_BODY = {
    400: ["invalid"],
    411: ["length_required"],
    413: ["request_too_large"],
    415: ["unsupported_media_type"],
}
# What an idempotent POST can answer on top.
IDEMPOTENT = {400: ["invalid"], 409: ["idempotency_key_reused"]}


def _merge(*maps):
    merged = {}
    for codes_by_status in maps:
        for status, codes in codes_by_status.items():
            merged.setdefault(status, [])
            merged[status] += [c for c in codes if c not in merged[status]]
    return merged


def error_responses(operation, *maps):
    """`responses` entries for an operation's errors, each with the exact codes it can send."""
    responses = {}
    for status, codes in sorted(_merge(COMMON, *maps).items()):
        name = f"{operation}{REASONS[status].replace(' ', '')}Error"
        body = inline_serializer(
            name=name,
            fields={
                "error": inline_serializer(
                    name=f"{name}Detail",
                    fields={
                        "code": serializers.ChoiceField(choices=codes),
                        "message": serializers.CharField(
                            help_text="A sentence a person can act on."
                        ),
                        "details": serializers.DictField(
                            help_text="What the code is about, e.g. fields and their messages."
                        ),
                    },
                )
            },
        )
        responses[status] = OpenApiResponse(
            response=body, description=f"{REASONS[status]}: " + ", ".join(f"`{c}`" for c in codes)
        )
    return responses


# Sent with every 423 (pin_locked) and 429 (throttled) answer: see unlocks.api.errors and
# the idempotent replay.
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    int,
    OpenApiParameter.HEADER,
    required=True,
    response=[423, 429],
    description="How many seconds to wait before trying again (details.retry_after too).",
)


# The path parameters as the URL converters match them: a request id only as the API writes
# it (lowercase, with hyphens), a slug in plain letters, a record number without a slash.
PATH_PARAMETERS = [
    OpenApiParameter(
        name,
        {"type": "string", **schema, "pattern": f"^{converter.regex}$"},
        OpenApiParameter.PATH,
    )
    for name, converter, schema in (
        ("request_id", UUIDConverter, {"format": "uuid"}),
        ("slug", SlugConverter, {}),
        ("number", StringConverter, {}),
    )
]


class ApiSchema(AutoSchema):
    """REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS: drf-spectacular's, with the headers that every
    answer of a status carries, whichever operation sends it, and the path parameters'
    patterns."""

    def get_override_parameters(self):
        in_path = [p for p in PATH_PARAMETERS if f"{{{p.name}}}" in self.path]
        return [*super().get_override_parameters(), RETRY_AFTER, *in_path]


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`: the key printed once by `manage.py create_api_client`.",
        }


def paginated(serializer_class):
    """A list answer: {"count", "next", "previous", "results"}."""
    name = serializer_class.__name__.removesuffix("Out")
    return inline_serializer(
        name=f"Paginated{name}List",
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )


class TargetsFieldSchema(OpenApiSerializerFieldExtension):
    target_class = "unlocks.api.serializers.TargetsField"

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        return {**schema, "uniqueItems": True}


class VerifyInSchema(OpenApiSerializerExtension):
    """consent_accepted is asked for by name: without it (or with false) the answer is 400
    consent_required, so a client must send it, true, to approve."""

    target_class = "unlocks.api.serializers.VerifyIn"

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        if direction == "request":
            schema["required"] = sorted({*schema.get("required", []), "consent_accepted"})
        return schema


class TargetInSchema(OpenApiSerializerExtension):
    """A target is its type and number and nothing else, so that uniqueItems on the list
    means what the services check: no record named twice."""

    target_class = "unlocks.api.serializers.TargetIn"

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        return {**schema, "additionalProperties": False}
