"""Input serializers check the shape of a call; output serializers give API.md's fields.

No rule is decided here: the services judge, these only translate.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from audit.models import AuditAction
from unlocks import links
from unlocks.api.errors import REQUEST_ID_HINT
from unlocks.models import REASON_MAX_LENGTH, Channel, RecordType, RequestStatus

# ---------------------------------------------------------------- in
#
# DRF's own fields coerce: "yes", "true" and 1 become True, "1" becomes 1, and 483920 becomes
# "483920" (a PIN sent as 012345 arrives as 12345). The fields below take a value only in
# its JSON type, so that what a caller sent is what the services judge.


def json_type(value):
    """What a parsed JSON value is, in JSON's words, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a number with a decimal point"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


class JsonString:
    """Mixed into DRF's text fields: the value must be a JSON string."""

    default_error_messages = {
        "wrong_type": "Must be a JSON string, in quotes, not {got}.",
        "null": "Must be a JSON string, in quotes, not null.",
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("wrong_type", got=json_type(data))
        return super().to_internal_value(data)


class String(JsonString, serializers.CharField):
    pass


class Email(JsonString, serializers.EmailField):
    pass


class Slug(JsonString, serializers.SlugField):
    pass


class Choice(JsonString, serializers.ChoiceField):
    pass


class Integer(serializers.IntegerField):
    """A JSON integer: not "1", not 1.0, not true (Python counts a bool as an int)."""

    default_error_messages = {
        "wrong_type": "Must be a JSON integer such as 1, not {got}.",
        "null": "Must be a JSON integer such as 1, not null.",
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("wrong_type", got=json_type(data))
        return super().to_internal_value(data)


class Assent(serializers.BooleanField):
    """A yes said as JSON true, or a no as false (which the services refuse); nothing else.

    `must` is the message for any other value: it says what to send and why.
    """

    def __init__(self, *, must, **kwargs):
        kwargs["error_messages"] = {"invalid": must, "null": must}
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if data is True or data is False:
            return data
        self.fail("invalid")


def text(**kwargs):
    """A required text field that must hold more than whitespace (the schema says so too)."""
    return String(validators=[RegexValidator(r"\S", message="Give more than blanks.")], **kwargs)


class TargetsField(serializers.ListField):
    """The records of a request; each is named once (the schema says uniqueItems)."""


class TargetIn(serializers.Serializer):
    type = Choice(choices=RecordType.choices)
    number = text(max_length=64)


class CallerIn(serializers.Serializer):
    name = text(max_length=200)
    email = Email(max_length=254)


class UnlockRequestIn(serializers.Serializer):
    tenant = Slug(max_length=63, help_text="The tenant's slug.")
    targets = TargetsField(child=TargetIn(), min_length=1, max_length=settings.UNLOCK_MAX_TARGETS)
    caller = CallerIn()
    channel = Choice(choices=Channel.choices)
    reason = text(max_length=REASON_MAX_LENGTH)
    ticket = String(max_length=100, required=False, allow_blank=True, default="")


class PreviewIn(UnlockRequestIn):
    """The same body as a create; only tenant and targets are needed to judge."""

    caller = CallerIn(required=False)
    channel = Choice(choices=Channel.choices, required=False)
    reason = text(max_length=REASON_MAX_LENGTH, required=False)


class VerifyIn(serializers.Serializer):
    admin_email = text(max_length=254)
    pin = text(
        max_length=32,
        help_text="A string, so that a PIN such as 012345 keeps its leading zero.",
        error_messages={
            "wrong_type": "Must be a JSON string, in quotes, not {got}: a PIN such as 012345 "
            "keeps its leading zero only as a string."
        },
    )
    consent_version = Integer(
        min_value=0,
        max_value=2**31 - 1,
        help_text="The version of the consent text the admin accepted (GET /api/v1/consent/).",
    )
    consent_accepted = Assent(
        must="Must be JSON true to accept the consent text word for word; false or a string "
        "is not an acceptance.",
        required=False,
        default=False,
        help_text="JSON true when the admin accepted the consent text word for word; false "
        "or nothing is refused with consent_required.",
    )
    duplicate_risk_acknowledged = Assent(
        must="Must be JSON true to acknowledge the duplicate risk; false or a string is not "
        "an acknowledgement.",
        required=False,
        default=False,
        help_text="Required (true) when a target carries the duplicate_risk warning.",
    )


class CancelIn(serializers.Serializer):
    reason = text(max_length=REASON_MAX_LENGTH)


class PageQuery(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, required=False, help_text="From 1.")
    page_size = serializers.IntegerField(
        min_value=1, max_value=200, required=False, help_text="Results per page; 50 if not given."
    )


class RequestQuery(PageQuery):
    tenant = serializers.SlugField(max_length=63, required=False, help_text="A tenant's slug.")
    status = serializers.ChoiceField(choices=RequestStatus.choices, required=False)
    ticket = text(max_length=100, required=False)


class AuditQuery(PageQuery):
    tenant = serializers.SlugField(max_length=63, required=False, help_text="A tenant's slug.")
    request = serializers.UUIDField(
        required=False,
        help_text="An unlock request's id.",
        error_messages={"invalid": f"Not an unlock request id: {REQUEST_ID_HINT}"},
    )
    action = serializers.ChoiceField(choices=AuditAction.choices, required=False)
    record = text(max_length=64, required=False, help_text="A record number.")
    since = serializers.DateTimeField(required=False, help_text="Entries at or after this time.")
    until = serializers.DateTimeField(required=False, help_text="Entries before this time.")


class TenantQuery(serializers.Serializer):
    tenant = serializers.SlugField(max_length=63, help_text="A tenant's slug.")


# ---------------------------------------------------------------- out


class ConsentOut(serializers.Serializer):
    version = serializers.IntegerField()
    text = serializers.CharField()
    sha256 = serializers.CharField()


class TargetOut(serializers.Serializer):
    type = serializers.ChoiceField(choices=RecordType.choices)
    number = serializers.CharField()
    state = serializers.CharField(help_text="The record's state when the request was opened.")
    warnings = serializers.ListField(child=serializers.CharField())


class RequestTargetOut(TargetOut):
    type = serializers.ChoiceField(choices=RecordType.choices, source="record_type")
    state = serializers.CharField(
        source="state_at_open", help_text="The record's state when the request was opened."
    )


class RefusalOut(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.DictField()


class PreviewOut(serializers.Serializer):
    ok = serializers.BooleanField()
    targets = TargetOut(many=True)
    refusals = serializers.SerializerMethodField()

    @extend_schema_field(RefusalOut(many=True))
    def get_refusals(self, preview):
        return [refusal.as_dict() for refusal in preview.refusals]


class CallerOut(serializers.Serializer):
    name = serializers.CharField(source="caller_name")
    email = serializers.EmailField(source="caller_email")
    is_tenant_admin = serializers.BooleanField(source="caller_is_tenant_admin")


class UnlockRequestOut(serializers.Serializer):
    id = serializers.UUIDField()
    tenant = serializers.CharField(source="tenant.slug")
    status = serializers.ChoiceField(
        choices=RequestStatus.choices,
        source="status_now",
        help_text="As it reads now: a pending request past expires_at reads expired.",
    )
    targets = RequestTargetOut(many=True, source="targets.all")
    caller = CallerOut(source="*")
    channel = serializers.ChoiceField(choices=Channel.choices)
    reason = serializers.CharField()
    ticket = serializers.CharField()
    approval_url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    approved_by = serializers.EmailField(source="approved_by.email", allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    consent_version = serializers.IntegerField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    refusal_code = serializers.CharField(
        allow_null=True, help_text="For a refused request: the rule that refused it."
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_approval_url(self, request):
        return links.approval_url(request)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["refusal_code"] = instance.refusal_code or None
        return data


class ExportOut(serializers.Serializer):
    at = serializers.DateTimeField()
    batch = serializers.CharField()
    system = serializers.CharField()
    external_id = serializers.CharField()


# The record lookup's answer, from `selectors.record_summary`'s plain values.
class RecordOut(serializers.Serializer):
    type = serializers.ChoiceField(choices=RecordType.choices)
    number = serializers.CharField()
    state = serializers.CharField()
    locked = serializers.BooleanField()
    batch = serializers.CharField(allow_null=True, read_only=True)
    exports = ExportOut(many=True)
    open_requests = serializers.ListField(child=serializers.UUIDField())


class ActorOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["agent", "tenant_user", "api_client", "system"])
    label = serializers.CharField()


class AuditTargetOut(serializers.Serializer):
    type = serializers.CharField()
    number = serializers.CharField()


class AuditEntryOut(serializers.Serializer):
    seq = serializers.IntegerField()
    at = serializers.DateTimeField()
    tenant = serializers.CharField(source="tenant.slug")
    actor = serializers.SerializerMethodField()
    action = serializers.CharField()
    target = serializers.SerializerMethodField()
    request = serializers.UUIDField(source="request_id", allow_null=True)
    code = serializers.CharField()
    state_before = serializers.CharField()
    state_after = serializers.CharField()
    consent_version = serializers.IntegerField(allow_null=True)
    consent_sha256 = serializers.CharField(
        help_text="SHA-256 of the consent text accepted, where one was given; else empty."
    )
    ip = serializers.CharField(help_text="The client's IP address, where there was a client.")
    user_agent = serializers.CharField(help_text="The client's user agent, where known.")
    request_id = serializers.CharField(
        source="http_request_id",
        help_text="The id of the HTTP request that made the change (X-Request-ID).",
    )
    data = serializers.JSONField()
    hash = serializers.CharField()
    prev_hash = serializers.CharField()

    @extend_schema_field(ActorOut)
    def get_actor(self, entry):
        return {"kind": entry.actor_kind, "label": entry.actor_label}

    @extend_schema_field(AuditTargetOut(allow_null=True))
    def get_target(self, entry):
        if not entry.target_type:
            return None
        return {"type": entry.target_type, "number": entry.target_number}


class ChainOut(serializers.Serializer):
    tenant = serializers.CharField()
    ok = serializers.BooleanField()
    entries = serializers.IntegerField()
    first_bad_seq = serializers.IntegerField(allow_null=True)
