"""Input serializers check the shape of a call; output serializers give API.md's fields.

No rule is decided here: the services judge, these only translate.
"""

import re
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, ProhibitNullCharactersValidator, RegexValidator
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from accounts.models import Currency
from audit.models import AuditAction
from unlocks import links, money, rules
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


# ---------------------------------------------------------------- plain text
#
# A text field keeps what it was sent less the blanks around it (DRF trims as str.strip()
# does). Its pattern, shown in the schema and checked here, says what is kept: no control
# character (U+0000-U+001F, U+007F-U+009F; a reason may hold tabs and line breaks), and a
# first and last character that are not blanks; a value that matches is taken as sent.
# The classes are spelled out, with no \s or \S: their blanks differ between Python's re
# and ECMA-262, the schema's dialect. drf-spectacular writes \A and \Z as ^ and $.

CONTROLS = r"\x00-\x1f\x7f-\x9f"
CONTROLS_BUT_LINE_BREAKS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # tab, LF and CR are kept
# What str.strip() takes off besides control characters.
BLANKS = r"\x20\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
CONTROL_NAMES = {
    "\x00": "a NUL byte",
    "\t": "a tab",
    "\n": "a line break",
    "\r": "a carriage return",
}


def plain_text_pattern(*, lines=False):
    edge = f"[^{CONTROLS}{BLANKS}]"
    inner = f"[^{CONTROLS_BUT_LINE_BREAKS if lines else CONTROLS}]"
    return rf"\A{edge}(?:{inner}*{edge})?\Z"


def _sentence(what):
    return what[0].upper() + what[1:]


def control_refused(what, value, controls=CONTROLS_BUT_LINE_BREAKS):
    """The message for the first of `controls` (a character class's inside) in `value`, or
    None: it names the character, which cannot be seen."""
    found = re.search(f"[{controls}]", value)
    if found is None:
        return None
    char = found.group()
    name = CONTROL_NAMES.get(char, "a control character")
    return f"{_sentence(what)} holds {name} (U+{ord(char):04X}); type it again without it."


class PlainText(RegexValidator):
    """A text field's pattern, checked on the value as trimmed."""

    def __init__(self, what, *, lines=False):
        super().__init__(plain_text_pattern(lines=lines))
        self.what = what
        self.controls = CONTROLS_BUT_LINE_BREAKS if lines else CONTROLS

    def __call__(self, value):
        # What invalid UTF-8, or a lone \ud800 escape in JSON, becomes once decoded.
        broken = next((char for char in value if "\ud800" <= char <= "\udfff"), None)
        if broken:
            raise ValidationError(
                f"{_sentence(self.what)} holds broken text (U+{ord(broken):04X}, half of a "
                "character); type it again."
            )
        if self.regex.search(value):
            return
        raise ValidationError(
            control_refused(self.what, value, self.controls)
            or f"{_sentence(self.what)} starts or ends with a blank; type it without it."
        )


class Trimmed:
    """Mixed into DRF's text fields, whose blanks at either end DRF takes off before any
    validator. Python counts a few control characters as blanks (U+001C-U+001F, U+0085):
    those, like every control character but a tab or a line break, are refused wherever
    they stand, not taken off, so that a value of them is not called empty."""

    def run_validation(self, data=serializers.empty):
        if isinstance(data, str) and (message := control_refused(self.what, data)):
            raise serializers.ValidationError(message)
        return super().run_validation(data)


def _messages(what, given=None):
    what = _sentence(what)
    return {
        "blank": f"{what} is empty or only blanks; type it in.",
        "max_length": f"{what} is longer than {{max_length}} characters; shorten it.",
        **(given or {}),
    }


def _without(validators, *kinds):
    return [validator for validator in validators if not isinstance(validator, kinds)]


class String(JsonString, Trimmed, serializers.CharField):
    """A JSON string of plain text. `what` names it in messages ("the record number");
    `lines` lets it hold tabs and line breaks, as a reason may."""

    def __init__(self, *, what, lines=False, **kwargs):
        self.what = what
        kwargs["error_messages"] = _messages(what, kwargs.get("error_messages"))
        rule = (
            "Text; tabs and line breaks, but no other control characters"
            if lines
            else "Text on one line: no control characters"
        )
        kwargs["help_text"] = " ".join(
            filter(
                None,
                [
                    kwargs.get("help_text"),
                    f"{rule} (U+0000-U+001F, U+007F-U+009F); blanks at either end are taken off.",
                ],
            )
        )
        super().__init__(**kwargs)
        # DRF's own NUL and surrogate checks: PlainText refuses both, and says what to do.
        self.validators = [
            *_without(
                self.validators,
                ProhibitNullCharactersValidator,
                ProhibitSurrogateCharactersValidator,
            ),
            # Not for an empty value: DRF takes it, where allowed, before any validator.
            PlainText(what, lines=lines),
        ]


# An address as people write it: a dot-atom before the @ and a host name after it whose
# last label is two letters or more, as Django's EmailValidator has it (dana@acme.example,
# not dana@acme or dana@acme.e). Every address that matches is one Django's validator, the
# services' check, takes too; it also takes a quoted local part, an IP address literal and
# @localhost, which no caller gives and the schema leaves out.
_ATOM = r"[-!#$%&'*+/=?^_`{|}~0-9A-Za-z]+"
_LETTERS = r"A-Za-z\u00a1-\ud7ff\ue000-\uffff"  # Django's, but no half of a character
# A label: 1 to 63 letters, digits and hyphens, not starting or ending with a hyphen.
_LABEL = rf"[0-9{_LETTERS}](?:[-0-9{_LETTERS}]{{0,61}}[0-9{_LETTERS}])?"
_TOP_LABEL = rf"(?:[{_LETTERS}][-{_LETTERS}]{{0,61}}[{_LETTERS}]|xn--[0-9A-Za-z]{{1,59}})"
EMAIL_PATTERN = rf"\A{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+{_TOP_LABEL}\Z"


class Email(JsonString, Trimmed, serializers.EmailField):
    """An email address as EMAIL_PATTERN has it; `what` names it in messages."""

    def __init__(self, *, what, **kwargs):
        self.what = what
        kwargs["error_messages"] = _messages(what, kwargs.get("error_messages"))
        kwargs.setdefault("help_text", "An address such as dana@acme.example.")
        super().__init__(**kwargs)
        not_an_address = (
            f"{_sentence(what)} is not an address such as dana@acme.example; check it and "
            "type it again."
        )
        self.validators = [
            *_without(
                self.validators,
                EmailValidator,
                ProhibitNullCharactersValidator,
                ProhibitSurrogateCharactersValidator,
            ),
            RegexValidator(EMAIL_PATTERN, message=not_an_address),
        ]


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


# RFC 3339 times (the schema's format: date-time) as Python reads them: T and Z in capitals,
# seconds up to 59 (no leap second), years from 0001. The field reads other ISO 8601 forms
# too, such as 2024-05-01 or a time without an offset (taken as UTC).
DATE_TIME_PATTERN = (
    r"^(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-[0-9]{2}-[0-9]{2}"
    r"T[0-9]{2}:[0-9]{2}:[0-5][0-9](?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2})$"
)


@extend_schema_field({"type": "string", "format": "date-time", "pattern": DATE_TIME_PATTERN})
class Instant(serializers.DateTimeField):
    """A bound of a time filter. A time that, once in UTC, falls before year 1 or after 9999
    (0001-01-01T00:30:00+01:00) is taken as that end of time: no entry lies beyond it."""

    def enforce_timezone(self, value):
        if timezone.is_aware(value):
            try:
                value.astimezone(UTC)
            except OverflowError:
                return (datetime.min if value.year == 1 else datetime.max).replace(tzinfo=UTC)
        return super().enforce_timezone(value)


class WindowHours(Integer):
    """An unlock's window in whole hours, 1 to 336 (SPEC rule 11)."""

    def __init__(self, **kwargs):
        super().__init__(
            min_value=rules.WINDOW_MIN_HOURS, max_value=rules.WINDOW_MAX_HOURS, **kwargs
        )


class TargetsField(serializers.ListField):
    """The records of a request; each is named once (the schema says uniqueItems)."""


class TargetIn(serializers.Serializer):
    """A record to unlock, by its type and number. Send no other key: the API ignores it,
    and two targets that differ only by one would name the same record twice."""

    type = Choice(choices=RecordType.choices)
    number = String(what="the record number", max_length=64)


class CallerIn(serializers.Serializer):
    name = String(what="the caller's name", max_length=200)
    email = Email(what="the caller's email", max_length=254)


class UnlockRequestIn(serializers.Serializer):
    tenant = Slug(max_length=63, help_text="The tenant's slug.")
    targets = TargetsField(child=TargetIn(), min_length=1, max_length=settings.UNLOCK_MAX_TARGETS)
    caller = CallerIn()
    channel = Choice(choices=Channel.choices)
    reason = String(what="the reason", lines=True, max_length=REASON_MAX_LENGTH)
    ticket = String(
        what="the ticket id", max_length=100, required=False, allow_blank=True, default=""
    )
    window_hours = WindowHours(
        required=False,
        help_text="How long approving unlocks for, in hours from the approval (1 to 336); "
        f"{settings.UNLOCK_WINDOW_HOURS} if not given.",
    )


class PreviewIn(UnlockRequestIn):
    """The same body as a create; only tenant and targets are needed to judge."""

    caller = CallerIn(required=False)
    channel = Choice(choices=Channel.choices, required=False)
    reason = String(what="the reason", lines=True, max_length=REASON_MAX_LENGTH, required=False)


class VerifyIn(serializers.Serializer):
    admin_email = String(what="the admin's email", max_length=254)
    pin = String(
        what="the PIN",
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
    window_hours = WindowHours(
        required=False,
        help_text="Shortens the request's window (at most its window_hours); the request's "
        "window if not given.",
    )
    admin_code = String(
        what="the admin's authenticator code",
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="The 6-digit code the admin reads from their authenticator app, where the "
        "tenant requires a second factor or the admin holds one (second_factor_required "
        "otherwise). A passkey cannot be read out: such an admin approves on the PIN page.",
    )


class CancelIn(serializers.Serializer):
    reason = String(what="the reason", lines=True, max_length=REASON_MAX_LENGTH)


class RelockIn(serializers.Serializer):
    reason = String(what="the reason", lines=True, max_length=REASON_MAX_LENGTH)


class PageQuery(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, required=False, help_text="From 1.")
    page_size = serializers.IntegerField(
        min_value=1, max_value=200, required=False, help_text="Results per page; 50 if not given."
    )


class RequestQuery(PageQuery):
    tenant = serializers.SlugField(max_length=63, required=False, help_text="A tenant's slug.")
    status = serializers.ChoiceField(choices=RequestStatus.choices, required=False)
    ticket = String(what="the ticket id", max_length=100, required=False)


class AuditQuery(PageQuery):
    tenant = serializers.SlugField(max_length=63, required=False, help_text="A tenant's slug.")
    request = serializers.UUIDField(
        required=False,
        help_text="An unlock request's id.",
        error_messages={"invalid": f"Not an unlock request id: {REQUEST_ID_HINT}"},
    )
    action = serializers.ChoiceField(choices=AuditAction.choices, required=False)
    record = String(
        what="the record number", max_length=64, required=False, help_text="A record number."
    )
    since = Instant(required=False, help_text="Entries at or after this time.")
    until = Instant(required=False, help_text="Entries before this time.")


class TenantQuery(serializers.Serializer):
    tenant = serializers.SlugField(max_length=63, help_text="A tenant's slug.")


# ---------------------------------------------------------------- out


class ConsentOut(serializers.Serializer):
    version = serializers.IntegerField()
    text = serializers.CharField()
    sha256 = serializers.CharField()


class Amount(serializers.DecimalField):
    """An amount kept in integer cents, given as a decimal string in the currency's units."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=20, decimal_places=2, coerce_to_string=True, **kwargs)

    def to_representation(self, value):
        return super().to_representation(money.decimal_amount(value))


AMOUNT = 'a decimal string with two decimals ("410.00"), never a JSON number, which could round'

CURRENCY = "The tenant's currency, an ISO 4217 code: every amount is in it."


# What people confirm a record by: a transaction's customer, amount and date, a batch's
# count and total; null where the record has no such thing. (A comment, not a docstring:
# the schema would give it to every serializer made with it.)
class MoneyOut(serializers.Serializer):
    customer = serializers.CharField(
        allow_null=True, help_text="A transaction's customer; null for a batch."
    )
    amount = Amount(
        source="amount_cents",
        allow_null=True,
        help_text=f"A transaction's amount in the currency's units, {AMOUNT}; null for a batch.",
    )
    currency = serializers.ChoiceField(choices=Currency.choices, help_text=CURRENCY)
    date = serializers.DateField(
        allow_null=True,
        help_text="An invoice's issue date or a payment's date; null for a batch.",
    )
    transaction_count = serializers.IntegerField(
        allow_null=True,
        help_text="How many invoices and payments a batch holds; null for a transaction.",
    )
    total = Amount(
        source="total_cents",
        allow_null=True,
        help_text=f"The sum of a batch's transactions, {AMOUNT}; null for a transaction.",
    )


class TargetFields(serializers.Serializer):
    type = serializers.ChoiceField(choices=RecordType.choices)
    number = serializers.CharField()
    state = serializers.CharField(help_text="The record's state when the request was opened.")
    warnings = serializers.ListField(child=serializers.CharField())


class TargetOut(TargetFields, MoneyOut):
    pass


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
    currency = serializers.ChoiceField(
        choices=Currency.choices, source="total.currency", help_text=CURRENCY
    )
    total = Amount(
        source="total.cents",
        help_text="What opening and approving the request would reopen (each batch's total "
        f"and each transaction named apart from its batch), {AMOUNT}.",
    )
    transaction_count = serializers.IntegerField(
        source="total.transactions",
        help_text="How many transactions make up the total.",
    )

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
    currency = serializers.ChoiceField(
        choices=Currency.choices, source="tenant.currency", help_text=CURRENCY
    )
    total = Amount(
        source="at_stake.cents",
        help_text="What approving reopens (each batch's total and each transaction named "
        f"apart from its batch), {AMOUNT}.",
    )
    transaction_count = serializers.IntegerField(
        source="at_stake.transactions", help_text="How many transactions make up the total."
    )
    caller = CallerOut(source="*")
    channel = serializers.ChoiceField(choices=Channel.choices)
    reason = serializers.CharField()
    ticket = serializers.CharField()
    approval_url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    approved_by = serializers.EmailField(source="approved_by.email", allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    approved_with = serializers.ListField(
        child=serializers.ChoiceField(choices=["pin", "totp", "passkey"]),
        allow_null=True,
        help_text='What the approver proved the approval with: ["pin"], ["pin", "totp"] or '
        '["pin", "passkey"]; null until approved.',
    )
    consent_version = serializers.IntegerField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    refusal_code = serializers.CharField(
        allow_null=True, help_text="For a refused request: the rule that refused it."
    )
    window_hours = serializers.IntegerField(
        help_text="How long approving unlocks for, in hours from the approval."
    )
    unlocked_until = serializers.DateTimeField(
        allow_null=True,
        help_text="When the unlock's window ends (null until approved); then whatever it "
        "opened that is still open goes back to its lock.",
    )
    relocked_at = serializers.DateTimeField(
        source="relocked_at_now",
        allow_null=True,
        help_text="When the unlock ended: its window's end, or an early re-lock; null "
        "while it runs. A window that has ended reads re-locked at its end.",
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_approval_url(self, request):
        return links.approval_url(request)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["refusal_code"] = instance.refusal_code or None
        data["approved_with"] = instance.approved_with or None
        return data


class ExportOut(serializers.Serializer):
    at = serializers.DateTimeField()
    batch = serializers.CharField()
    system = serializers.CharField()
    external_id = serializers.CharField()


class RecordFields(serializers.Serializer):
    type = serializers.ChoiceField(choices=RecordType.choices)
    number = serializers.CharField()
    state = serializers.CharField()
    locked = serializers.BooleanField()
    batch = serializers.CharField(allow_null=True, read_only=True)
    exports = ExportOut(many=True)
    open_requests = serializers.ListField(child=serializers.UUIDField())
    unlocked_until = serializers.DateTimeField(
        allow_null=True,
        help_text="Until when an approved unlock keeps it open; null when it is not in a window.",
    )


# The record lookup's answer, from `selectors.record_summary`'s plain values.
class RecordOut(RecordFields, MoneyOut):
    pass


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
