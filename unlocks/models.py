import hashlib
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Sum, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.uuid_search import SHORT_ID_DIGITS
from unlocks import money, rules
from unlocks.states import Channel, LockState, RecordType, RequestStatus


def state_as_of(now):
    """A record's state as it reads at `now`, as an SQL expression: an open record whose
    unlock's window has ended reads as `relock_state`, the state it goes back to, before the
    job that ends windows writes it so; any other reads as stored. `Record.state_at` says
    the same of one row in Python (`rules.state_now`)."""
    window_ended = Q(state=LockState.OPEN, unlocked_until__lte=now) & ~Q(relock_state="")
    return Case(
        When(window_ended, then=F("relock_state")),
        default=F("state"),
        output_field=models.CharField(),
    )


class RecordQuerySet(models.QuerySet):
    """The one reader of many records' state: filter on `state_as_of`, never on `state`,
    which only the writers of a state (the services, the platform) name."""

    def as_of(self, now):
        """The records with `state_as_of`, each one's state as it reads at `now`."""
        return self.annotate(state_as_of=state_as_of(now))

    def reading(self, states, now):
        """The records whose state reads as one of `states` at `now`."""
        return self.as_of(now).filter(state_as_of__in=list(states))

    def opened_by(self, request):
        """The records `request` opened that are open as stored: what its end writes back
        (an ended window's rows read locked already, and are still its own to write)."""
        return self.filter(unlocked_by=request, state=LockState.OPEN).exclude(relock_state="")


class Record(models.Model):
    """What batches, invoices and payments share: a tenant, a number and a lock state."""

    # No index of its own: the (tenant, number) unique constraint leads with tenant.
    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.PROTECT, db_index=False)
    number = models.CharField(max_length=64)
    # As stored: read it as it is now with `state_at` (one row) or `as_of` (many).
    state = models.CharField(max_length=10, choices=LockState.choices, default=LockState.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # An unlock's window (SPEC rule 11): which request opened the record, until when, and
    # the state it goes back to then. Past `unlocked_until` an open record reads as
    # `relock_state` (see `state_as_of`) until the window's end writes it so.
    unlocked_by = models.ForeignKey(
        "unlocks.UnlockRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unlocked_until = models.DateTimeField(null=True, blank=True)
    # Defaults in the database too: rows written by bulk COPY (the bench) need not name them.
    relock_state = models.CharField(
        max_length=10, choices=LockState.choices, blank=True, db_default=""
    )

    LOCKED_STATES: tuple[str, ...] = ()

    objects = RecordQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self):
        return self.number

    def state_at(self, now):
        """The record's state as it reads at `now` (see `state_as_of`)."""
        return rules.state_now(self.state, self.relock_state, self.unlocked_until, now)

    @property
    def state_now(self):
        """The state as people should read it: an unlock whose window has ended reads
        locked again before the job that ends windows has written it."""
        return self.state_at(timezone.now())

    @property
    def locked(self):
        return self.state_now in self.LOCKED_STATES

    @property
    def unlocked_until_now(self):
        """Until when the record is open by an unlock; None when it is not in a window."""
        now = timezone.now()
        return rules.in_window_until(self.state, self.relock_state, self.unlocked_until, now)


class Batch(Record):
    """An export batch of transactions."""

    record_type = RecordType.BATCH
    LOCKED_STATES = (LockState.EXPORTED, LockState.BYPASSED)
    exported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "batches"
        ordering = ["tenant_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="batch_number_unique"),
            models.CheckConstraint(
                condition=~models.Q(state=LockState.IMPORTED), name="batch_state_valid"
            ),
        ]
        indexes = [models.Index(fields=["number"], name="batch_number_idx")]


class Transaction(Record):
    LOCKED_STATES = (LockState.EXPORTED, LockState.BYPASSED, LockState.IMPORTED)
    # Indexed by (batch, state) below: one index less to maintain in a bulk unlock.
    batch = models.ForeignKey(
        Batch, null=True, blank=True, on_delete=models.PROTECT, db_index=False
    )
    # In cents of the tenant's currency: integers, never floats (`unlocks.money` shows them).
    amount_cents = models.BigIntegerField(default=0)
    customer = models.CharField(max_length=200, blank=True)
    date = models.DateField(
        default=timezone.localdate, help_text="An invoice's issue date; a payment's date."
    )
    exported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class Invoice(Transaction):
    record_type = RecordType.INVOICE

    class Meta:
        ordering = ["tenant_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="invoice_number_unique")
        ]
        indexes = [
            models.Index(fields=["batch", "state"], name="invoice_batch_state_idx"),
            # An agent may look a number up across tenants.
            models.Index(fields=["number"], name="invoice_number_idx"),
        ]


class Payment(Transaction):
    record_type = RecordType.PAYMENT

    class Meta:
        ordering = ["tenant_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="payment_number_unique")
        ]
        indexes = [
            models.Index(fields=["batch", "state"], name="payment_batch_state_idx"),
            models.Index(fields=["number"], name="payment_number_idx"),
        ]


RECORD_MODELS = {RecordType.BATCH: Batch, RecordType.INVOICE: Invoice, RecordType.PAYMENT: Payment}


def batch_sums(batch_id):
    """How many invoices and payments a batch holds and their total in cents, as the
    annotations `transaction_count` and `total_cents` of the query that reads the batch:
    `batch_id` names the outer query's field holding its id. Subqueries of that one query,
    never a query per batch; 0 and 0 where there is no batch."""
    counts, totals = [], []
    for model in (Invoice, Payment):
        in_batch = model.objects.filter(batch_id=OuterRef(batch_id)).order_by().values("batch_id")
        count = Subquery(in_batch.annotate(n=Count("pk")).values("n"))
        total = Subquery(in_batch.annotate(cents=Sum("amount_cents")).values("cents"))
        counts.append(Coalesce(count, 0, output_field=models.IntegerField()))
        totals.append(Coalesce(total, 0, output_field=models.BigIntegerField()))
    return {"transaction_count": counts[0] + counts[1], "total_cents": totals[0] + totals[1]}


def total_at_stake(named, currency) -> money.Total:
    """What unlocking the records `named` reopens: how many transactions, and their total.

    `named` holds (record, transaction count, cents) for each record: a batch with the
    count and total of what it holds, a transaction with 1 and its amount. A transaction
    named with its batch counts once, in the batch's figures.
    """
    batches = {record.pk for record, _, _ in named if record.record_type == RecordType.BATCH}
    transactions = cents = 0
    for record, count, amount in named:
        if record.record_type != RecordType.BATCH and record.batch_id in batches:
            continue
        transactions += count
        cents += amount
    return money.Total(transactions=transactions, cents=cents, currency=currency)


class ExportRecord(models.Model):
    """One export of a transaction to an accounting system: its history."""

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.PROTECT)
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="exports"
    )
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="exports"
    )
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="exports")
    system = models.CharField(max_length=60, default="QuickBooks Online")
    external_id = models.CharField(max_length=100)
    exported_at = models.DateTimeField()

    class Meta:
        ordering = ["exported_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(invoice__isnull=False, payment__isnull=True)
                    | models.Q(invoice__isnull=True, payment__isnull=False)
                ),
                name="export_record_one_transaction",
            )
        ]

    def __str__(self):
        return f"{self.transaction} exported with {self.batch} at {self.exported_at:%Y-%m-%d}"

    @property
    def transaction(self):
        return self.invoice or self.payment


class ConsentText(models.Model):
    """A version of the consent an approving admin accepts word for word."""

    version = models.PositiveIntegerField(unique=True)
    text = models.TextField()
    sha256 = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self):
        return f"Consent v{self.version}"

    def save(self, *args, **kwargs):
        self.sha256 = hashlib.sha256(self.text.encode()).hexdigest()
        super().save(*args, **kwargs)


class UnlockRequestQuerySet(models.QuerySet):
    def not_relocked(self):
        """Approved unlocks not re-locked yet: running, or ended and waiting for the job
        that ends windows (the partial index request_window_open_idx)."""
        return self.filter(relocked_at__isnull=True, unlocked_until__isnull=False)

    def reading(self, status):
        """The requests whose status reads `status` now (see `status_now`): a pending
        request past its expiry reads expired before the expiry job writes it so."""
        # The application's clock, as status_now reads it.
        now = timezone.now()
        if status == RequestStatus.PENDING:
            return self.filter(status=RequestStatus.PENDING, expires_at__gt=now)
        if status == RequestStatus.EXPIRED:
            return self.filter(
                Q(status=RequestStatus.EXPIRED)
                | Q(status=RequestStatus.PENDING, expires_at__lte=now)
            )
        return self.filter(status=status)


def default_window_hours():
    return settings.UNLOCK_WINDOW_HOURS


# How long a reason for opening or cancelling a request may be, wherever it is typed.
REASON_MAX_LENGTH = 2000


class UnlockRequest(models.Model):
    # What the customer's books held of its targets, where a service or a door asked
    # (`unlocks.in_the_books.Booked`); not stored here (the audit entries keep it).
    booked = None

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Indexed by request_tenant_status_idx, which leads with it.
    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.PROTECT, db_index=False)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    caller_name = models.CharField(max_length=200)
    caller_email = models.EmailField()
    caller_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    caller_is_tenant_admin = models.BooleanField(default=False)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    reason = models.TextField(max_length=REASON_MAX_LENGTH)
    ticket = models.CharField(max_length=100, blank=True)
    opened_by = models.CharField(max_length=254, help_text="The agent or API client who opened it.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # What the approver proved it with: ["pin"], ["pin", "totp"] or ["pin", "passkey"];
    # null until approved (and for requests approved before it was recorded).
    approved_with = models.JSONField(null=True, blank=True)
    consent_version = models.PositiveIntegerField(null=True, blank=True)
    consent_sha256 = models.CharField(max_length=64, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.TextField(blank=True)
    refusal_code = models.CharField(max_length=60, blank=True)
    # The unlock's window (SPEC rule 11): named at opening, maybe shortened at approval;
    # the clock starts at approval.
    window_hours = models.PositiveSmallIntegerField(default=default_window_hours, db_default=72)
    unlocked_until = models.DateTimeField(null=True, blank=True)
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    relocked_at = models.DateTimeField(null=True, blank=True)
    relocked_by = models.CharField(max_length=254, blank=True, db_default="")
    relock_reason = models.TextField(blank=True, db_default="")
    # What the unlock's end found (None until then): {"exported": [...], "relocked": [...]},
    # each a list of {"type", "number"} (a re-locked one with the "state" it went back to).
    window_outcome = models.JSONField(null=True, blank=True)
    # The two-approver policy the request is judged under from its first approval on
    # ({"two_from_cents", "bypassed_batches"}, `rules.ApprovalPolicy`): a later change of
    # the tenant's policy never applies to it. Null until then: it follows the tenant's.
    approval_policy = models.JSONField(null=True, blank=True)

    objects = UnlockRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("verify_unlockrequest", "Can verify an unlock request with an admin on the phone"),
            ("cancel_unlockrequest", "Can cancel an unlock request"),
            ("relock_unlockrequest", "Can re-lock an approved unlock before its window ends"),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "status", "-created_at"], name="request_tenant_status_idx"
            ),
            models.Index(fields=["status", "expires_at"], name="request_status_expiry_idx"),
            models.Index(fields=["ticket"], name="request_ticket_idx"),
            models.Index(fields=["caller_email"], name="request_caller_email_idx"),
            models.Index(fields=["channel", "-created_at"], name="request_channel_idx"),
            # The windows still running: the job that ends them, the work queue.
            models.Index(
                fields=["unlocked_until"],
                condition=Q(relocked_at__isnull=True, unlocked_until__isnull=False),
                name="request_window_open_idx",
            ),
            models.Index(
                fields=["remind_at"],
                condition=Q(reminded_at__isnull=True, relocked_at__isnull=True),
                name="request_window_remind_idx",
            ),
        ]

    def __str__(self):
        return f"Unlock request {self.id} ({self.status})"

    @property
    def is_pending(self):
        return self.status == RequestStatus.PENDING

    @property
    def reference(self):
        """The short id people quote: the first digits, as the console shows and finds it."""
        return str(self.id)[:SHORT_ID_DIGITS]

    @property
    def is_overdue(self):
        """Pending past its expiry: the expiry job, or whoever acts on it next, expires it."""
        return self.is_overdue_at(timezone.now())

    def is_overdue_at(self, now):
        return rules.overdue(self, now)

    @property
    def status_now(self):
        """The status as people should read it: what acting on the request now would find."""
        return RequestStatus.EXPIRED if self.is_overdue else RequestStatus(self.status)

    @property
    def relocked_at_now(self):
        """When the unlock ended, as people should read it: a window that has run out
        reads re-locked at its end before the job has written it."""
        return rules.relocked_at(self, timezone.now())

    @property
    def unlock_now(self):
        """What its unlock is now: running until, re-locked early by whom, or ended by
        itself, with what was exported in the window (`rules.UnlockNow`); None when it
        unlocked nothing with a window."""
        return rules.unlock_now(self, timezone.now())

    @property
    def until_if_approved_now(self):
        """When the window would end if the request were approved now: "until about"."""
        return rules.window_end(timezone.now(), self.window_hours)

    @property
    def in_window(self):
        """Approved, and its records still open by it now."""
        return rules.window_running(self, timezone.now())

    @property
    def approvals_in_order(self):
        """The request's approvals, oldest first, with their approvers: as
        `selectors.approvals_with_approver` read them with the request, else read now."""
        given = getattr(self, "approvals_given", None)
        if given is None:
            given = list(self.approvals.select_related("approver").order_by("at", "pk"))
        return given

    @property
    def policy(self):
        """The two-approver policy the request is judged under: the one it started with
        at its first approval, else its tenant's as it is now."""
        if self.approval_policy is not None:
            return rules.ApprovalPolicy.from_json(self.approval_policy)
        return rules.ApprovalPolicy.of_tenant(self.tenant)

    def approvals_needed(self, total=None):
        """How many approvals the request needs and why (`rules.approvals_needed`), for
        `total` at stake (as its targets read now when None; no query of its own)."""
        total = total or self.at_stake()
        batches = [t.number for t in self.targets.all() if t.is_batch]
        return rules.approvals_needed(self.policy, total.cents, bypassed_batches=batches)

    def at_stake(self) -> money.Total:
        """How many transactions approving reopens and their total, from the targets as
        `UnlockTarget.objects.with_money()` reads them (no query of its own)."""
        return total_at_stake([t.stake for t in self.targets.all()], self.tenant.currency)


class UnlockTargetQuerySet(models.QuerySet):
    def with_money(self):
        """The targets with their records, and a batch with how many transactions it holds and
        their total (the target's `transaction_count` and `total_cents`): in this one query."""
        sums = {f"batch_{name}": value for name, value in batch_sums("batch_id").items()}
        return self.select_related("batch", "invoice", "payment").annotate(**sums)


class UnlockTarget(models.Model):
    """One record an unlock request names."""

    # Indexed by target_unique_in_request, which leads with it.
    request = models.ForeignKey(
        UnlockRequest, on_delete=models.CASCADE, related_name="targets", db_index=False
    )
    record_type = models.CharField(max_length=10, choices=RecordType.choices)
    number = models.CharField(max_length=64)
    batch = models.ForeignKey(
        Batch, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state_at_open = models.CharField(max_length=10, choices=LockState.choices)
    warnings = models.JSONField(default=list, blank=True)

    objects = UnlockTargetQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "record_type", "number"], name="target_unique_in_request"
            )
        ]
        indexes = [
            models.Index(fields=["record_type", "number"], name="target_record_idx"),
            models.Index(fields=["number"], name="target_number_idx"),
        ]

    def __str__(self):
        return f"{self.record_type} {self.number}"

    @property
    def record(self):
        return self.batch or self.invoice or self.payment

    # What people confirm the record by: a transaction's customer, amount and date, a
    # batch's count and total; read by `UnlockTarget.objects.with_money()`, None where the
    # record has no such thing.

    @property
    def is_batch(self):
        return self.record_type == RecordType.BATCH

    @property
    def customer(self):
        return None if self.is_batch else self.record.customer

    @property
    def amount_cents(self):
        return None if self.is_batch else self.record.amount_cents

    @property
    def date(self):
        return None if self.is_batch else self.record.date

    @property
    def transaction_count(self):
        return self.batch_transaction_count if self.is_batch else None

    @property
    def total_cents(self):
        return self.batch_total_cents if self.is_batch else None

    @property
    def currency(self):
        return self.request.tenant.currency

    @property
    def stake(self):
        """(record, transactions, cents) of this target, for `total_at_stake`."""
        if self.is_batch:
            return self.record, self.batch_transaction_count, self.batch_total_cents
        return self.record, 1, self.record.amount_cents


class Approval(models.Model):
    """One admin's approval of an unlock request (SPEC rules 5 to 7, 12 and 13): who, when,
    proved with what, and the consent accepted. A request needing two has two, by
    different admins; the one that completes it unlocks."""

    # Indexed by approval_one_per_admin, which leads with it.
    request = models.ForeignKey(
        UnlockRequest, on_delete=models.CASCADE, related_name="approvals", db_index=False
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    # ["pin"], ["pin", "totp"] or ["pin", "passkey"].
    approved_with = models.JSONField(default=list)
    consent_version = models.PositiveIntegerField()
    consent_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            # Two approvals are two different admins', whatever the race.
            models.UniqueConstraint(fields=["request", "approver"], name="approval_one_per_admin")
        ]

    def __str__(self):
        return f"{self.approver} approved {self.request_id}"


class PolicyChangeStatus(models.TextChoices):
    PENDING = "pending", "Waiting for another admin"
    APPLIED = "applied", "Applied"
    WITHDRAWN = "withdrawn", "Withdrawn"
    REPLACED = "replaced", "Replaced by a later change"
    EXPIRED = "expired", "Not approved in time"


class PolicyChange(models.Model):
    """A loosening of a tenant's two-approver policy (a higher amount, or a part of it
    switched off: fewer unlocks need two), which waits for a second admin: otherwise one
    admin could switch the rule off and approve alone. Tightening it applies at once and is
    never one of these."""

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.PROTECT, db_index=False)
    two_from_cents = models.BigIntegerField(null=True, blank=True)
    bypassed_batches = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=PolicyChangeStatus.choices, default=PolicyChangeStatus.PENDING
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"],
                condition=models.Q(status="pending"),
                name="policy_change_one_pending",
            )
        ]
        indexes = [models.Index(fields=["tenant", "-proposed_at"], name="policy_change_tenant_idx")]

    def __str__(self):
        return f"Policy change of {self.tenant_id} ({self.status})"

    @property
    def policy(self):
        return rules.ApprovalPolicy(self.two_from_cents, self.bypassed_batches)


class IdempotencyKeyQuerySet(models.QuerySet):
    def expired(self, now):
        """Keys past their lifetime: they can no longer be replayed."""
        return self.filter(created_at__lt=now - IdempotencyKey.LIFETIME)


class IdempotencyKey(models.Model):
    """The first response to a state-changing API call, replayed for a retry with the same key.

    The unique (owner, key) pair is what makes two identical calls that arrive at once
    create one request: the second waits on the first's row and then reads its response.
    """

    owner = models.CharField(max_length=40, help_text="api_client:<id> or user:<id>.")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    # How long a first response is replayed (API.md: 24 hours).
    LIFETIME = timedelta(hours=24)

    objects = IdempotencyKeyQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotency_key_unique")
        ]

    def __str__(self):
        return f"{self.owner} {self.key}"
