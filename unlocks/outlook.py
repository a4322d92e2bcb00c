"""What approving would do now: the one outlook every door renders (SPEC rules 1 to 8).

The targets judged as they read now (an open record whose window has ended reads locked),
what opens with each bypassed batch, the total at stake, and what the approver will be
asked: the duplicate-risk acknowledgement, a second factor, or to wait for the PIN's lock.
The PIN page, the console and the API's preview render it and call no rule themselves;
the services judge the same way on locked rows (`judge`) before they write.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from accounts import factors
from books import lookup
from unlocks import in_the_books, inputs, money, rules
from unlocks.models import Invoice, LockState, Payment, RecordType, total_at_stake
from unlocks.selectors import (
    batch_members,
    batch_totals,
    find_records,
    find_records_named,
    gather_facts,
    record_by_number,
)
from unlocks.states import RequestStatus


@dataclass
class TargetOutlook:
    """One target as approving would judge it now, with what people confirm it by."""

    type: str
    number: str
    record: object
    # As it reads now, not as stored: an ended window's record reads as its lock.
    state: str
    warnings: list
    # The rules that refuse unlocking it now, in SPEC order (empty when it may be unlocked).
    refusals: list
    currency: str
    customer: str | None = None
    amount_cents: int | None = None
    date: object = None
    # A batch's figures: how many transactions it holds and their sum.
    transaction_count: int | None = None
    total_cents: int | None = None
    # A bypassed batch's transactions that read bypassed now and open with it:
    # {"invoices": [numbers], "payments": [numbers]}; None where not read.
    opens_with: dict | None = None
    # What the customer's QuickBooks holds of it (`in_the_books`), None where not asked;
    # and the numbers of ours found there (a batch's transactions').
    quickbooks: dict | None = None
    found_in_quickbooks: list = field(default_factory=list)

    @property
    def record_type(self):
        return self.type

    @property
    def is_batch(self):
        return self.type == RecordType.BATCH

    @property
    def duplicate_risk(self):
        return rules.DUPLICATE_RISK in self.warnings

    @property
    def in_quickbooks(self):
        return rules.FOUND_IN_QUICKBOOKS in self.warnings

    @property
    def opens_with_numbers(self):
        contents = self.opens_with or {"invoices": [], "payments": []}
        return contents["invoices"] + contents["payments"]


@dataclass
class SecondFactorOutlook:
    """What the approver is asked after the PIN: whether a second factor is needed, and
    which kinds they hold ("totp", "passkey")."""

    needed: bool
    held: set

    @property
    def totp(self):
        return factors.TOTP in self.held

    @property
    def passkey(self):
        return factors.PASSKEY in self.held

    @property
    def none_held(self):
        return not self.held

    @property
    def missing(self):
        """Needed (the tenant requires one) and the approver holds none: they cannot
        approve until they set one up."""
        return self.needed and not self.held


@dataclass
class ApprovalsOutlook:
    """How many approvals an unlock needs and why (SPEC rule 13), and those given so far
    (`Approval`s, oldest first)."""

    needed: rules.ApprovalsNeeded
    given: list
    currency: str

    @property
    def required(self):
        return self.needed.required

    @property
    def awaiting_another(self):
        """Approved by someone, and waiting for another admin's approval."""
        return 0 < len(self.given) < self.needed.required

    def approved_by(self, user):
        return any(a.approver_id == user.pk for a in self.given)

    def words(self, whose="the account's"):
        """ "2 approvals: $1,730.00 is over the account's $1,000.00 limit"."""
        return approvals_in_words(self.needed, self.currency, whose)


def approvals_in_words(needed, currency, whose="the account's"):
    """How many approvals and why, as people read it; `whose` names the account as the
    reader knows it ("your account's" to its own admins)."""
    policy, count = needed.policy, f"{needed.required} approval{'s' if needed.required > 1 else ''}"
    total = money.format_money(needed.total_cents, currency)
    limit = (
        money.format_money(policy.two_from_cents, currency)
        if policy.two_from_cents is not None
        else None
    )
    if needed.because == "amount":
        over = "is over" if needed.total_cents > policy.two_from_cents else "reaches"
        return f"{count}: {total} {over} {whose} {limit} limit"
    if needed.because == "bypassed_batch":
        return (
            f"{count}: {whose} policy asks two admins for every bypassed batch "
            f"({', '.join(needed.batches)})"
        )
    if limit is not None:
        return f"{count}: {total} is under {whose} {limit} limit"
    if policy.bypassed_batches:
        return f"{count}: no bypassed batch in it"
    return count


def policy_in_words(policy, currency):
    """A two-approver policy as its admins read it: "unlocks of $1,000.00 or more need two
    admins, and so does every unlock of a bypassed batch"."""
    parts = []
    if policy.two_from_cents is not None:
        limit = money.format_money(policy.two_from_cents, currency)
        parts.append(f"unlocks of {limit} or more need two admins")
    if policy.bypassed_batches:
        parts.append(
            "so does every unlock of a bypassed batch"
            if parts
            else "every unlock of a bypassed batch needs two admins"
        )
    return ", and ".join(parts) if parts else "one admin approves every unlock"


def approvals_of(request, total=None) -> ApprovalsOutlook:
    """How many approvals `request` needs now and why, and who approved it so far (no
    query of its own where the request comes as `selectors` read it)."""
    return ApprovalsOutlook(
        needed=request.approvals_needed(total),
        given=request.approvals_in_order,
        currency=request.tenant.currency,
    )


@dataclass
class Outlook:
    ok: bool
    targets: list = field(default_factory=list)
    refusals: list = field(default_factory=list)
    # What opening and approving reopens: each batch's total and each transaction named
    # apart from its batch.
    total: money.Total | None = None
    needs_duplicate_risk_ack: bool = False
    needs_found_in_quickbooks_ack: bool = False
    # What the books said (`in_the_books.Booked`), None where not asked.
    booked: object = None
    # Until when the tenant's PIN is locked, on every channel; None while it is not.
    pin_locked_until: datetime | None = None
    # For a named approver only (the PIN page's signed-in person): the refusal of one who
    # is not an admin of the tenant now (rule 5), and what they prove it with after the PIN.
    approver_refusal: object = None
    second_factor: SecondFactorOutlook | None = None
    # How many approvals and why, and those given (SPEC rule 13).
    approvals: ApprovalsOutlook | None = None

    @property
    def refused_targets(self):
        """(type, number) -> the first refusal of each target refused now."""
        return {(t.type, t.number): t.refusals[0] for t in self.targets if t.refusals}


# ---------------------------------------------------------------- judging


def judge(tenant, specs, *, lock=False, now=None):
    """The targets `specs` ((type, number) pairs) of `tenant` judged by every rule as they
    read at `now`: (their outlooks, every refusal, unknown records first). With `lock`, the
    rows are locked in the order of `unlocks.services` (an approval judges on locked rows)."""
    records, missing = find_records(tenant=tenant, specs=specs, lock=lock)
    return _judged(tenant, records, missing, now or timezone.now())


def judge_named(tenant_slug, specs, *, now=None):
    """`judge` for a tenant named by its slug: (the tenant, the outlooks, every refusal).
    The tenant comes in the records' own query (or is refused as unknown_tenant)."""
    tenant, records, missing = find_records_named(tenant_slug=tenant_slug, specs=specs)
    return (tenant, *_judged(tenant, records, missing, now or timezone.now()))


def _judged(tenant, records, missing, now):
    facts = gather_facts(records, now=now)
    refusals = [rules.unknown_record(t, n, tenant) for t, n in missing]
    targets = []
    for record in records:
        refused = rules.refusals_for(record, facts)
        refusals.extend(refused)
        is_batch = record.record_type == RecordType.BATCH
        targets.append(
            TargetOutlook(
                type=record.record_type,
                number=record.number,
                record=record,
                state=rules.state_of(record, facts),
                warnings=rules.warnings_for(record, facts),
                refusals=refused,
                currency=tenant.currency,
                customer=None if is_batch else record.customer,
                amount_cents=None if is_batch else record.amount_cents,
                date=None if is_batch else record.date,
            )
        )
    return targets, refusals


def _with_batch_figures(targets, currency):
    """Fill in the batches' counts and totals (one query); the total the targets put at stake."""
    totals = batch_totals([t.record.pk for t in targets if t.is_batch])
    named = []
    for target in targets:
        if target.is_batch:
            target.transaction_count, target.total_cents = totals[target.record.pk]
            named.append((target.record, target.transaction_count, target.total_cents))
        else:
            named.append((target.record, 1, target.amount_cents))
    return total_at_stake(named, currency)


def stake_of(targets, currency):
    """The total the judged `targets` put at stake (one query for the batches' totals)."""
    return _with_batch_figures(targets, currency)


def _with_contents(targets, now):
    """Name what opens with each bypassed batch: its transactions that read bypassed now
    (an ended window's too), one query per kind of transaction."""
    batches = {t.record.pk: t for t in targets if t.is_batch and t.state == LockState.BYPASSED}
    for target in batches.values():
        target.opens_with = {"invoices": [], "payments": []}
    if not batches:
        return
    for model, key in ((Invoice, "invoices"), (Payment, "payments")):
        bypassed = model.objects.reading([LockState.BYPASSED], now)
        for batch_id, number in (
            bypassed.filter(batch_id__in=list(batches))
            .order_by("number")
            .values_list("batch_id", "number")
        ):
            batches[batch_id].opens_with[key].append(number)


# ---------------------------------------------------------------- the books (rule 14)


def with_books(targets, booked):
    """Mark `targets` with what the books (`booked`, asked before any row was locked) hold
    of each: its `quickbooks` part, and the found_in_quickbooks warning where found."""
    for target in targets:
        target.quickbooks = booked.part(target.record)
        target.found_in_quickbooks = sorted(
            {f.asked_number for f in booked.found_of(target.record)}
        )
        if rules.FOUND_IN_QUICKBOOKS not in target.warnings:
            target.warnings.extend(rules.books_warnings(target.found_in_quickbooks))
    return booked


def ask_books(tenant, targets):
    """Ask the books of `tenant` about `targets` and mark them (`with_books`)."""
    return with_books(targets, in_the_books.ask(tenant, targets))


def books_of_request(request):
    """What the books hold of `request`'s targets (read with their records), asked now;
    each target gets its `quickbooks` part. Nothing asked where no books are set up."""
    if not lookup.configured():
        return show_books(request, in_the_books.not_asked(request.tenant))
    return show_books(request, in_the_books.ask(request.tenant, list(request.targets.all())))


def show_books(request, booked):
    """Give each of `request`'s targets its part of what the books said (`booked`)."""
    if booked is not None:
        for target in request.targets.all():
            # Unchecked books say the same of every record: no record need be read.
            target.quickbooks = booked.part(target.record if booked.check.checked else None)
    request.booked = booked
    return booked


@dataclass
class _Held:
    record: object


def books_of_record(tenant_slug, record_type, number):
    """The `quickbooks` part of one record of the tenant named, asked now; None where no
    books are set up or there is no such record."""
    if not lookup.configured():
        return in_the_books.not_asked(None).part(None)
    record = record_by_number(tenant_slug=tenant_slug, record_type=record_type, number=number)
    if record is None:
        return None
    return in_the_books.ask(record.tenant, [_Held(record)]).part(record)


# ---------------------------------------------------------------- the outlooks


def preview(*, tenant: str, targets: list) -> Outlook:
    """A would-be request's targets ([{"type", "number"}, ...] of the tenant named by its
    slug) judged now; creates and records nothing."""
    tenant_obj, targets, refusals = judge_named(tenant, inputs.target_specs(targets))
    total = _with_batch_figures(targets, tenant_obj.currency)
    needed = rules.approvals_needed(
        rules.ApprovalPolicy.of_tenant(tenant_obj),
        total.cents,
        bypassed_batches=[
            t.number for t in targets if t.is_batch and t.state == LockState.BYPASSED
        ],
    )
    booked = ask_books(tenant_obj, targets) if not refusals else None
    return Outlook(
        ok=not refusals,
        targets=targets,
        refusals=refusals,
        total=total,
        needs_duplicate_risk_ack=rules.needs_duplicate_risk_ack(targets),
        approvals=ApprovalsOutlook(needed=needed, given=[], currency=tenant_obj.currency),
        needs_found_in_quickbooks_ack=rules.needs_found_in_quickbooks_ack(targets),
        booked=booked,
    )


def for_request(request, *, approver=None, membership=None) -> Outlook:
    """What approving `request` (read with its tenant and targets) would do now, and what
    its approver is asked. `approver`: the person who would approve (the PIN page's), with
    their `membership` in the request's tenant (or None): whether they may, and their
    second factor."""
    now = timezone.now()
    tenant = request.tenant
    specs = [(t.record_type, t.number) for t in request.targets.all()]
    targets, refusals = judge(tenant, specs, now=now)
    _with_contents(targets, now)
    booked = ask_books(tenant, targets)
    # A batch's count and total, as the request's targets read them already (with_money).
    figures = {(t.record_type, t.number): t for t in request.targets.all() if t.is_batch}
    for target in targets:
        if (named := figures.get((target.type, target.number))) is not None:
            target.transaction_count = named.transaction_count
            target.total_cents = named.total_cents
    second_factor = approver_refusal = None
    if approver is not None:
        approver_refusal = rules.not_tenant_admin(tenant, approver.email, membership)
        held = factors.kinds_of(approver)
        second_factor = SecondFactorOutlook(
            needed=rules.second_factor_needed(
                tenant_requires=tenant.approval_requires_second_factor, approver_factors=held
            ),
            held=held,
        )
    return Outlook(
        ok=not refusals,
        targets=targets,
        refusals=refusals,
        total=request.at_stake(),
        needs_duplicate_risk_ack=rules.needs_duplicate_risk_ack(targets),
        needs_found_in_quickbooks_ack=rules.needs_found_in_quickbooks_ack(targets),
        booked=booked,
        pin_locked_until=tenant.pin_locked_until if rules.pin_locked_now(tenant, now) else None,
        approver_refusal=approver_refusal,
        second_factor=second_factor,
        approvals=approvals_of(request),
    )


@dataclass
class Lookup:
    """A record as a lookup shows it: with its batch, export history and requests, its
    batch's members, and what an unlock of it would answer now."""

    record: object
    batch: object
    members: list
    outlook: Outlook
    pending: list
    past: list


def look_up(found) -> Lookup:
    """What the agent's lookup and the tenant's "was this exported?" both show of a record
    found by number (`selectors.records_numbered`); creates and records nothing."""
    tenant = found.tenant
    record = record_by_number(tenant=tenant, record_type=found.record_type, number=found.number)
    record.tenant = tenant
    outlook = preview(
        tenant=tenant.slug, targets=[{"type": record.record_type, "number": record.number}]
    )
    batch = record if record.record_type == RecordType.BATCH else record.batch
    if batch is not None:
        batch.transaction_count, batch.total_cents = batch_totals([batch.pk])[batch.pk]
    return Lookup(
        record=record,
        batch=batch,
        members=batch_members(batch) if batch is not None else [],
        outlook=outlook,
        pending=[r for r in record.requests if r.status_now == RequestStatus.PENDING],
        past=[r for r in record.requests if r.status_now != RequestStatus.PENDING],
    )
