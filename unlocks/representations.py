"""How the API and the webhooks show what the desk holds: requests, records, previews,
audit entries. A webhook's body is the request as the API shows it, so `unlocks.events`
writes it from here, and the API's views answer with these too; nothing here decides."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Currency
from unlocks import links, money, outlook
from unlocks.models import Channel, RecordType, RequestStatus


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


class FoundOut(serializers.Serializer):
    type = serializers.ChoiceField(choices=["invoice", "payment"])
    number = serializers.CharField(
        help_text="Its number in QuickBooks (DocNumber, or a payment's reference)."
    )
    quickbooks_id = serializers.CharField()
    amount = serializers.CharField(help_text=f"Its amount in QuickBooks, {AMOUNT}.")
    customer = serializers.CharField()
    date = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField(allow_null=True)
    by_export = serializers.BooleanField(
        help_text="Created by our export (its id is in the record's export history), not "
        "keyed in by hand."
    )
    match = serializers.ChoiceField(
        choices=["id", "number", "look-alike"],
        help_text="Found by the id our export recorded, by number, or as a look-alike keyed "
        "in by hand (same customer, amount and date, another number).",
    )


class BooksPartOut(serializers.Serializer):
    status = serializers.ChoiceField(choices=["checked", "not_connected", "unavailable"])
    checked_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField(
        allow_blank=True, help_text="Why the books were not checked; empty when they were."
    )
    found = FoundOut(many=True)
    closing_date = serializers.DateField(
        allow_null=True, help_text="QuickBooks' closing date (BookCloseDate), if set."
    )
    before_closing_date = serializers.BooleanField(
        help_text="Dated on or before the closing date: re-exporting asks for its password."
    )
    edited_after_export = serializers.BooleanField(
        help_text="Found by its export id but changed in QuickBooks after our export."
    )


class TransactionBooksOut(serializers.Serializer):
    type = serializers.ChoiceField(choices=["invoice", "payment"])
    number = serializers.CharField()
    quickbooks = BooksPartOut()


class QuickBooksOut(BooksPartOut):
    transactions = TransactionBooksOut(
        many=True, required=False, help_text="A batch's transactions, each as the books hold it."
    )


QUICKBOOKS = (
    "What the customer's QuickBooks holds of it, asked now (SPEC rule 14); null where not "
    "asked (lists, and webhooks but unlock_request.created, which carries the opening's)."
)


class TargetFields(serializers.Serializer):
    type = serializers.ChoiceField(choices=RecordType.choices)
    number = serializers.CharField()
    state = serializers.CharField(help_text="The record's state when the request was opened.")
    warnings = serializers.ListField(child=serializers.CharField())


class TargetOut(TargetFields, MoneyOut):
    quickbooks = QuickBooksOut(allow_null=True, required=False, help_text=QUICKBOOKS)


class RequestTargetOut(TargetOut):
    type = serializers.ChoiceField(choices=RecordType.choices, source="record_type")
    state = serializers.CharField(
        source="state_at_open", help_text="The record's state when the request was opened."
    )


APPROVALS_REQUIRED = (
    "How many different admins must approve (1 or 2): 2 where the tenant's two-approver "
    "policy asks it of this unlock. Judged again at each approval; from the first approval "
    "on, under the policy the request started with."
)
APPROVALS_REASON = (
    'Why, in words ("2 approvals: $1,730.00 is over the account\'s $1,000.00 limit"); null '
    "where the tenant has no two-approver policy."
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

    approvals_required = serializers.IntegerField(
        source="approvals.required", help_text=APPROVALS_REQUIRED
    )
    approvals_reason = serializers.SerializerMethodField(help_text=APPROVALS_REASON)

    @extend_schema_field(RefusalOut(many=True))
    def get_refusals(self, preview):
        return [refusal.as_dict() for refusal in preview.refusals]

    @extend_schema_field(OpenApiTypes.STR)
    def get_approvals_reason(self, preview):
        return _reason(preview.approvals)


def _reason(approvals):
    return approvals.words() if approvals.needed.policy.on else None


class ApprovalOut(serializers.Serializer):
    by = serializers.EmailField(source="approver.email", help_text="The admin who approved.")
    at = serializers.DateTimeField()
    with_ = serializers.ListField(
        child=serializers.ChoiceField(choices=["pin", "totp", "passkey"]),
        source="approved_with",
        help_text='What they proved it with: ["pin"], ["pin", "totp"] or ["pin", "passkey"].',
    )
    consent_version = serializers.IntegerField()
    consent_sha256 = serializers.CharField()

    def get_fields(self):
        # `with` is a Python keyword: the field is declared as `with_` and named here.
        fields = super().get_fields()
        fields["with"] = fields.pop("with_")
        return fields


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

    approvals_required = serializers.SerializerMethodField(help_text=APPROVALS_REQUIRED)
    approvals_reason = serializers.SerializerMethodField(help_text=APPROVALS_REASON)
    approvals = ApprovalOut(
        many=True,
        source="approvals_in_order",
        help_text="Each admin's approval so far, oldest first: two where two were required.",
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_approval_url(self, request):
        return links.approval_url(request)

    @extend_schema_field(OpenApiTypes.INT)
    def get_approvals_required(self, request):
        return outlook.approvals_of(request).required

    @extend_schema_field(OpenApiTypes.STR)
    def get_approvals_reason(self, request):
        return _reason(outlook.approvals_of(request))

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
    quickbooks = QuickBooksOut(allow_null=True, required=False, help_text=QUICKBOOKS)


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
    checkpoint = serializers.IntegerField(
        allow_null=True,
        help_text="The last signed checkpoint that still holds (its number), if any.",
    )
    checkpoint_size = serializers.IntegerField(
        help_text="The last entry that checkpoint covers: the check read only the entries after "
        "it unless `full`."
    )
    bad_checkpoint = serializers.IntegerField(
        allow_null=True,
        help_text="A checkpoint whose signature does not hold, or that signed another entry "
        "than the one now in the chain.",
    )
    full = serializers.BooleanField(help_text="Whether every entry was read.")
