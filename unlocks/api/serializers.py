"""Input serializers check the shape of a call; output serializers give API.md's fields.

No rule is decided here: the services judge, these only translate.
"""

import re
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, ProhibitNullCharactersValidator, RegexValidator
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from audit.models import AuditAction
from unlocks import inputs
from unlocks.api.errors import REQUEST_ID_HINT
from unlocks.models import Channel, RecordType, RequestStatus

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
            min_value=inputs.WINDOW_MIN_HOURS, max_value=inputs.WINDOW_MAX_HOURS, **kwargs
        )


class TargetsField(serializers.ListField):
    """The records of a request; each is named once (the schema says uniqueItems)."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            "The records to unlock, each once: two targets with the same type and number "
            "(blanks around it aside) are refused, 400 invalid.",
        )
        super().__init__(**kwargs)


class TargetIn(serializers.Serializer):
    """A record to unlock, by its type and number. Send no other key: the API ignores it,
    and two targets that differ only by one would name the same record twice."""

    type = Choice(choices=RecordType.choices)
    number = String(what="the record number", max_length=inputs.RECORD_NUMBER)


class CallerIn(serializers.Serializer):
    name = String(what="the caller's name", max_length=inputs.CALLER_NAME)
    email = Email(what="the caller's email", max_length=inputs.CALLER_EMAIL)


class UnlockRequestIn(serializers.Serializer):
    tenant = Slug(max_length=inputs.TENANT_SLUG, help_text="The tenant's slug.")
    targets = TargetsField(child=TargetIn(), min_length=1, max_length=inputs.max_targets())
    caller = CallerIn()
    channel = Choice(choices=Channel.choices)
    reason = String(what="the reason", lines=True, max_length=inputs.REASON)
    ticket = String(
        what="the ticket id", max_length=inputs.TICKET, required=False, allow_blank=True, default=""
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
    reason = String(what="the reason", lines=True, max_length=inputs.REASON, required=False)


class VerifyIn(serializers.Serializer):
    admin_email = String(what="the admin's email", max_length=inputs.CALLER_EMAIL)
    pin = String(
        what="the PIN",
        max_length=inputs.PIN,
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
    found_in_quickbooks_acknowledged = Assent(
        must="Must be JSON true to acknowledge the records found in QuickBooks; false or a "
        "string is not an acknowledgement.",
        required=False,
        default=False,
        help_text="Required (true) when a target carries the found_in_quickbooks warning.",
    )
    window_hours = WindowHours(
        required=False,
        help_text="Shortens the request's window (at most its window_hours); the request's "
        "window if not given.",
    )
    admin_code = String(
        what="the admin's authenticator code",
        max_length=inputs.ADMIN_CODE,
        required=False,
        allow_blank=True,
        default="",
        help_text="The 6-digit code the admin reads from their authenticator app, where the "
        "tenant requires a second factor or the admin holds one (second_factor_required "
        "otherwise). A passkey cannot be read out: such an admin approves on the PIN page.",
    )


class CancelIn(serializers.Serializer):
    reason = String(what="the reason", lines=True, max_length=inputs.REASON)


class RelockIn(serializers.Serializer):
    reason = String(what="the reason", lines=True, max_length=inputs.REASON)


class PageQuery(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, required=False, help_text="From 1.")
    page_size = serializers.IntegerField(
        min_value=1, max_value=200, required=False, help_text="Results per page; 50 if not given."
    )


class RequestQuery(PageQuery):
    tenant = serializers.SlugField(
        max_length=inputs.TENANT_SLUG, required=False, help_text="A tenant's slug."
    )
    status = serializers.ChoiceField(choices=RequestStatus.choices, required=False)
    ticket = String(what="the ticket id", max_length=inputs.TICKET, required=False)


class AuditQuery(PageQuery):
    tenant = serializers.SlugField(
        max_length=inputs.TENANT_SLUG, required=False, help_text="A tenant's slug."
    )
    request = serializers.UUIDField(
        required=False,
        help_text="An unlock request's id.",
        error_messages={"invalid": f"Not an unlock request id: {REQUEST_ID_HINT}"},
    )
    action = serializers.ChoiceField(choices=AuditAction.choices, required=False)
    record = String(
        what="the record number",
        max_length=inputs.RECORD_NUMBER,
        required=False,
        help_text="A record number.",
    )
    since = Instant(required=False, help_text="Entries at or after this time.")
    until = Instant(required=False, help_text="Entries before this time.")


class TenantQuery(serializers.Serializer):
    tenant = serializers.SlugField(max_length=inputs.TENANT_SLUG, help_text="A tenant's slug.")


class ChainQuery(TenantQuery):
    full = serializers.BooleanField(
        default=False,
        help_text="Check every entry and checkpoint, not only what follows the last "
        "checkpoint that holds.",
    )


# ---------------------------------------------------------------- out
# The request, record and audit representations are the desk's own (webhooks carry them
# too); the API answers with them as they are.
from unlocks.representations import (  # noqa: E402
    ActorOut,
    Amount,
    AuditEntryOut,
    AuditTargetOut,
    CallerOut,
    ChainOut,
    ConsentOut,
    ExportOut,
    MoneyOut,
    PreviewOut,
    RecordFields,
    RecordOut,
    RefusalOut,
    RequestTargetOut,
    TargetFields,
    TargetOut,
    UnlockRequestOut,
)

__all__ = [
    "ActorOut",
    "Amount",
    "AuditEntryOut",
    "AuditTargetOut",
    "CallerOut",
    "ChainOut",
    "ConsentOut",
    "ExportOut",
    "MoneyOut",
    "PreviewOut",
    "RecordFields",
    "RecordOut",
    "RefusalOut",
    "RequestTargetOut",
    "TargetFields",
    "TargetOut",
    "UnlockRequestOut",
]
