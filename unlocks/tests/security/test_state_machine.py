"""Property-based, stateful: random sequences of open, verify (by either of two admins),
cancel, expire, export, bypass, the tenant's two-approver policy changing, an unlock's
window running out (written by the job or not yet) and early re-locks.

Whatever the order, through the service layer (`unlocks.services`, `unlocks.platform`):
exported records never become open, nor anything else by the app, every change has its
audit entry (every re-lock too), the chain verifies, and nothing leaves a final state; a
request needing two approvals unlocks only with two different admins', and a first
approval changes no record.
Bounded in CI by the "ci" Hypothesis profile (conftest.py); `make fuzz` runs the longer
"fuzz" profile.
"""

import contextlib
import uuid
from collections import Counter
from datetime import timedelta

from django.utils import timezone
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from accounts.models import Tenant
from accounts.tests.factories import PIN, TenantFactory, admin_of, member_of
from audit.models import AuditAction, AuditEntry
from audit.selectors import verify_chain
from core.refusals import Refusal
from unlocks import platform, rules, services
from unlocks.consent import current_consent
from unlocks.models import (
    RECORD_MODELS,
    Approval,
    ExportRecord,
    Invoice,
    LockState,
    Payment,
    RecordType,
    RequestStatus,
    UnlockRequest,
)
from unlocks.selectors import get_request
from unlocks.tests import factories as f
from unlocks.tests.conftest import AGENT, open_for

FINAL = {
    RequestStatus.COMPLETED,
    RequestStatus.CANCELLED,
    RequestStatus.EXPIRED,
    RequestStatus.REFUSED,
}
OPEN_REFUSALS = {"exported_batch", "exported_record", "transactions_exported", "not_locked"}
# The audit entry each final status must have, exactly once.
CLOSING_ACTION = {
    RequestStatus.COMPLETED: AuditAction.REQUEST_APPROVED,
    RequestStatus.CANCELLED: AuditAction.REQUEST_CANCELLED,
    RequestStatus.EXPIRED: AuditAction.REQUEST_EXPIRED,
    RequestStatus.REFUSED: AuditAction.REQUEST_REFUSED,
}


def key(record):
    return (record.record_type, record.number)


class UnlockMachine(RuleBasedStateMachine):
    records = Bundle("records")
    requests = Bundle("requests")

    def __init__(self):
        super().__init__()
        # A fresh tenant per run: runs share the test's transaction, never a chain.
        self.tenant = TenantFactory()
        self.admin = admin_of(self.tenant)
        self.second_admin = admin_of(self.tenant)
        self.member = member_of(self.tenant)
        self.stranger = admin_of(TenantFactory())
        self.final = {}

    # ------------------------------------------------------------ reading the world

    def states(self):
        return {
            (record_type, number): state
            for record_type, model in RECORD_MODELS.items()
            for number, state in model.objects.filter(tenant=self.tenant).values_list(
                "number", "state"
            )
        }

    def states_now(self):
        """The states as they read now, worked out apart from unlocks.rules: a record an
        unlock opened reads as it was before once its window has ended."""
        now = timezone.now()
        read = {}
        for record_type, model in RECORD_MODELS.items():
            for number, state, relock_state, until in model.objects.filter(
                tenant=self.tenant
            ).values_list("number", "state", "relock_state", "unlocked_until"):
                ended = state == LockState.OPEN and relock_state and until and until <= now
                read[(record_type, number)] = relock_state if ended else state
        return read

    def record(self, spec):
        record_type, number = spec
        return RECORD_MODELS[record_type].objects.get(tenant=self.tenant, number=number)

    def entries(self, action):
        return AuditEntry.objects.filter(tenant=self.tenant, action=action).count()

    def may_open(self, spec):
        """SPEC's rules 1 to 3, worked out independently of unlocks.rules."""
        record = self.record(spec)
        state = self.states_now()[spec]
        if state not in record.LOCKED_STATES or state == LockState.EXPORTED:
            return False
        if spec[0] == RecordType.BATCH:
            return not ExportRecord.objects.filter(invoice__batch=record).exists() and not (
                ExportRecord.objects.filter(payment__batch=record).exists()
            )
        return True

    def assert_nothing_exported_changed(self, before, after):
        for spec, state in before.items():
            if state == LockState.EXPORTED:
                assert after[spec] == LockState.EXPORTED, spec

    # ------------------------------------------------------------ the platform

    @initialize(target=records)
    def some_locked_records(self):
        made = [
            f.bypassed_batch(self.tenant, invoices=2, payments=1),
            f.exported_batch(self.tenant, invoices=1),
            f.imported_invoice(self.tenant),
            f.bypassed_invoice(self.tenant),
        ]
        specs = [key(r) for r in made]
        for batch in made[:2]:
            specs += [key(t) for m in (Invoice, Payment) for t in m.objects.filter(batch=batch)]
        return multiple(*specs)

    @rule(
        target=records,
        make=st.sampled_from([f.open_batch, f.bypassed_batch, f.exported_batch]),
        invoices=st.integers(0, 2),
        payments=st.integers(0, 1),
    )
    def new_batch(self, make, invoices, payments):
        batch = make(self.tenant, invoices, payments)
        transactions = [*Invoice.objects.filter(batch=batch), *Payment.objects.filter(batch=batch)]
        return multiple(key(batch), *(key(t) for t in transactions))

    @rule(
        target=records,
        make=st.sampled_from(
            [f.imported_invoice, f.imported_payment, f.bypassed_invoice, f.open_payment]
        ),
    )
    def new_transaction(self, make):
        return key(make(self.tenant))

    @rule(spec=records)
    def export(self, spec):
        if spec[0] == RecordType.BATCH:
            try:
                platform.export_batch(batch=self.record(spec))
            except Refusal as refusal:
                assert refusal.code == "batch_not_open"

    @rule(spec=records)
    def bypass(self, spec):
        record = self.record(spec)
        try:
            if spec[0] == RecordType.BATCH:
                platform.bypass_batch(batch=record)
            else:
                platform.bypass_transaction(record=record)
        except Refusal as refusal:
            assert refusal.code in {"batch_not_open", "cannot_bypass"}

    @rule(two_from=st.sampled_from([None, 0, 10**12]), batches=st.booleans())
    def policy_changes(self, two_from, batches):
        """The tenant's admins change their two-approver policy (the policy's own services
        are tested apart): 0 asks two of every unlock, 10**12 of none."""
        Tenant.objects.filter(pk=self.tenant.pk).update(
            two_approvers_from_cents=two_from, two_approvers_for_bypassed_batches=batches
        )

    @rule()
    def time_passes_beyond_a_pin_lock(self):
        Tenant.objects.filter(pk=self.tenant.pk, pin_locked_until__isnull=False).update(
            pin_locked_until=timezone.now() - timedelta(seconds=1)
        )

    # ------------------------------------------------------------ the guarded door

    @rule(target=requests, spec=records)
    def open_one(self, spec):
        return self.open_for([spec])

    @rule(target=requests, chosen=st.lists(records, min_size=2, max_size=4, unique=True))
    def open_several(self, chosen):
        return self.open_for(chosen)

    @rule(target=requests, request_id=requests)
    def open_again(self, request_id):
        # A second request for the same records: what races an approval in real life.
        targets = UnlockRequest.objects.get(pk=request_id).targets.all()
        return self.open_for([(t.record_type, t.number) for t in targets])

    def open_for(self, chosen):
        before = self.states()
        refused_before = self.entries(AuditAction.OPEN_REFUSED)
        allowed = all(self.may_open(spec) for spec in chosen)
        try:
            request = open_for(
                self.tenant.slug,
                targets=[{"type": t, "number": n} for t, n in chosen],
                caller_name="Dana",
                caller_email=self.member.email,
            )
        except Refusal as refusal:
            event(f"open: {refusal.code}")
            assert not allowed, (chosen, refusal.code)
            assert refusal.code in OPEN_REFUSALS
            assert self.entries(AuditAction.OPEN_REFUSED) == refused_before + 1
            assert self.states() == before
            return multiple()
        event("open: pending")
        assert allowed, chosen
        assert request.status == RequestStatus.PENDING
        assert self.states() == before
        return request.pk

    @rule(
        request_id=requests,
        # Weighted towards approvals that can succeed, so runs get past the guards.
        who=st.sampled_from(["admin", "admin", "second_admin", "member", "stranger"]),
        right_pin=st.sampled_from([True, True, False]),
        consent=st.sampled_from([True, True, True, False]),
        acknowledged=st.sampled_from([True, True, False]),
    )
    def verify(self, request_id, who, right_pin, consent, acknowledged):
        self.verify_as(request_id, who, right_pin, consent, acknowledged)

    @rule(request_id=requests, who=st.sampled_from(["admin", "second_admin"]))
    def approve(self, request_id, who):
        # What an admin on the phone does: right PIN, consent, acknowledgement.
        self.verify_as(request_id, who, True, True, True)

    @rule(request_id=requests)
    def both_admins_approve(self, request_id):
        """The tenant's two admins, one after the other: where two approvals are needed,
        the second admin's unlocks."""
        self.verify_as(request_id, "admin", True, True, True)
        self.verify_as(request_id, "second_admin", True, True, True)

    @rule(target=requests, spec=records, export_between=st.booleans())
    def approve_one_of_two(self, spec, export_between):
        """Two requests for the same record, approved one after the other (maybe with an
        export between): the second approval must judge the record as the first left it."""
        first, second = self.open_for([spec]), self.open_for([spec])
        if not all(isinstance(pk, uuid.UUID) for pk in (first, second)):
            return multiple()
        self.verify_as(first, "admin", True, True, True)
        if export_between:
            record = self.record(spec)
            batch = record if spec[0] == RecordType.BATCH else record.batch
            if batch is not None:
                with contextlib.suppress(Refusal):
                    platform.export_batch(batch=batch)
        self.verify_as(second, "admin", True, True, True)
        return multiple(first, second)

    def verify_as(self, request_id, who, right_pin, consent, acknowledged):
        before = self.states()
        status_before = UnlockRequest.objects.get(pk=request_id).status
        target_specs = [
            (t.record_type, t.number)
            for t in UnlockRequest.objects.get(pk=request_id).targets.all()
        ]
        # Judged independently of unlocks.rules, on the records as they are now (SPEC rule 8).
        allowed_now = all(self.may_open(spec) for spec in target_specs)
        approver = {
            "admin": self.admin,
            "second_admin": self.second_admin,
            "member": self.member,
            "stranger": self.stranger,
        }[who]
        approved_before = set(
            Approval.objects.filter(request_id=request_id).values_list("approver_id", flat=True)
        )
        try:
            services.verify_and_unlock(
                request_id=request_id,
                approver_email=approver.email,
                pin=PIN if right_pin else "000000",
                consent_version=current_consent().version,
                consent_accepted=consent,
                duplicate_risk_acknowledged=acknowledged,
                actor=AGENT,
            )
            code = None
        except Refusal as refusal:
            code = refusal.code
        event(f"verify: {code or 'completed'}")
        after = self.states()
        request = UnlockRequest.objects.prefetch_related("targets").get(pk=request_id)
        self.assert_nothing_exported_changed(before, after)

        if status_before in FINAL:
            assert code == "request_not_pending"
        if code == "already_approved_by_you":
            assert approver.pk in approved_before
        if code is None:
            assert who in ("admin", "second_admin") and (right_pin, consent) == (True, True)
            assert approver.pk not in approved_before
            assert allowed_now, ("approved, but a target may not be unlocked now", target_specs)
            if request.status == RequestStatus.PENDING:
                # The first of two approvals: it changes no record.
                event("verify: first of two")
                assert not approved_before
                assert get_request(request_id).approvals_needed().required == 2
                assert after == before
                return
            assert request.status == RequestStatus.COMPLETED
            if approved_before:
                event("verify: second of two, unlocked")
            targets = {(t.record_type, t.number) for t in request.targets.all()}
            assert all(after[spec] == LockState.OPEN for spec in targets)
            batches = [t.batch_id for t in request.targets.all() if t.batch_id]
            in_batches = {
                key(t)
                for model in (Invoice, Payment)
                for t in model.objects.filter(batch_id__in=batches)
            }
            changed = {spec for spec in after if after[spec] != before[spec]}
            assert changed <= targets | in_batches
        else:
            assert after == before, code
            if code in OPEN_REFUSALS:
                assert not allowed_now, ("refused, but every target may be unlocked", code)
                assert request.status == RequestStatus.REFUSED
                assert request.refusal_code == code
            if code == "request_not_pending" or request.status != RequestStatus.REFUSED:
                assert request.status in {status_before, RequestStatus.EXPIRED}

    @rule(request_id=requests)
    def cancel(self, request_id):
        before = self.states()
        status_before = UnlockRequest.objects.get(pk=request_id).status
        try:
            services.cancel_request(request_id=request_id, reason="Customer hung up", actor=AGENT)
            assert status_before == RequestStatus.PENDING
        except Refusal as refusal:
            assert refusal.code == "request_not_pending"
            assert status_before in FINAL
        assert self.states() == before

    @rule(request_id=requests)
    def expire(self, request_id):
        before = self.states()
        now = UnlockRequest.objects.get(pk=request_id).expires_at + timedelta(seconds=1)
        due = set(
            UnlockRequest.objects.filter(
                tenant=self.tenant, status=RequestStatus.PENDING, expires_at__lte=now
            ).values_list("pk", flat=True)
        )
        services.expire_requests(now=now)
        for pk in due:
            assert UnlockRequest.objects.get(pk=pk).status == RequestStatus.EXPIRED
        assert self.states() == before

    # ------------------------------------------------------------ the unlock window

    def windows_run_out(self, request_id):
        """Time passes beyond the request's window (the records' too), nothing written."""
        past = timezone.now() - timedelta(seconds=1)
        UnlockRequest.objects.filter(pk=request_id, unlocked_until__isnull=False).update(
            unlocked_until=past
        )
        for model in RECORD_MODELS.values():
            model.objects.filter(unlocked_by_id=request_id).update(unlocked_until=past)

    @rule(request_id=requests)
    def window_runs_out(self, request_id):
        """The window ends, and the job has not run yet: the records read locked."""
        before = self.states()
        self.windows_run_out(request_id)
        assert self.states() == before

    @rule(request_id=requests, early=st.booleans())
    def window_ends(self, request_id, early):
        """The job ends every window due, after this one's ran out (or not)."""
        if not early:
            self.windows_run_out(request_id)
        before = self.states()
        services.end_windows()
        after = self.states()
        self.assert_nothing_exported_changed(before, after)
        self.assert_relocks_only_go_back(before, after)

    @rule(request_id=requests)
    def relock(self, request_id):
        request = UnlockRequest.objects.get(pk=request_id)
        before = self.states()
        try:
            services.relock_request(request_id=request_id, reason="Customer is done", actor=AGENT)
            code = None
        except Refusal as refusal:
            code = refusal.code
        event(f"relock: {code or 'relocked'}")
        after = self.states()
        self.assert_nothing_exported_changed(before, after)
        self.assert_relocks_only_go_back(before, after)
        request.refresh_from_db()
        if request.status != RequestStatus.COMPLETED:
            assert code == "request_not_completed"
            assert after == before
        else:
            assert request.relocked_at is not None
            if code is None:
                assert request.relocked_at <= request.unlocked_until
            else:
                assert code == "already_relocked"

    def assert_relocks_only_go_back(self, before, after):
        """What ending an unlock changes went from open to the lock it read (or had)."""
        for spec, state in after.items():
            if state != before[spec]:
                assert before[spec] == LockState.OPEN, spec
                assert state in (LockState.BYPASSED, LockState.IMPORTED), (spec, state)

    # ------------------------------------------------------------ what always holds

    @invariant()
    def the_chain_verifies(self):
        report = verify_chain(tenant=self.tenant)
        assert report.ok, report

    @invariant()
    def nothing_leaves_a_final_state(self):
        for pk, status in UnlockRequest.objects.filter(tenant=self.tenant).values_list(
            "pk", "status"
        ):
            if pk in self.final:
                assert status == self.final[pk], (pk, self.final[pk], status)
            elif status in FINAL:
                self.final[pk] = status

    @invariant()
    def approvals_are_different_admins_each_audited(self):
        for request in UnlockRequest.objects.filter(tenant=self.tenant):
            approvers = list(
                Approval.objects.filter(request=request).values_list("approver_id", flat=True)
            )
            recorded = AuditEntry.objects.filter(
                request_id=request.pk, action=AuditAction.APPROVAL_RECORDED
            ).count()
            assert len(set(approvers)) == len(approvers) <= 2
            assert set(approvers) <= {self.admin.pk, self.second_admin.pk}
            if request.status == RequestStatus.COMPLETED:
                # Each approval before the one that unlocked is an entry of its own.
                assert approvers and recorded == len(approvers) - 1
            else:
                assert recorded == len(approvers) <= 1
            if approvers:
                # Judged from its first approval on under the policy it started with.
                assert request.approval_policy is not None
            if len(approvers) == 2 or (approvers and request.status != RequestStatus.COMPLETED):
                assert rules.ApprovalPolicy.from_json(request.approval_policy).on

    @invariant()
    def every_relock_has_its_entries(self):
        for request in UnlockRequest.objects.filter(tenant=self.tenant):
            relocked = AuditEntry.objects.filter(
                request_id=request.pk, action=AuditAction.REQUEST_RELOCKED
            )
            records = AuditEntry.objects.filter(
                request_id=request.pk, action=AuditAction.RECORD_RELOCKED
            )
            if request.relocked_at is None:
                assert not relocked.exists() and not records.exists()
                continue
            assert request.status == RequestStatus.COMPLETED
            assert relocked.count() == 1
            went_back = request.window_outcome["relocked"]
            assert sorted((e.target_type, e.target_number, e.state_after) for e in records) == (
                sorted((r["type"], r["number"], r["state"]) for r in went_back)
            )
            assert all(e.state_before == LockState.OPEN for e in records)
            assert {e.actor_kind for e in records} <= {"system", "agent"}

    @invariant()
    def every_change_has_its_audit_entry(self):
        actions = Counter(
            AuditEntry.objects.filter(tenant=self.tenant, request_id__isnull=False).values_list(
                "request_id", "action"
            )
        )
        for request in UnlockRequest.objects.filter(tenant=self.tenant).prefetch_related("targets"):
            assert actions[(request.pk, AuditAction.REQUEST_OPENED)] == 1
            for status, action in CLOSING_ACTION.items():
                assert actions[(request.pk, action)] == (request.status == status), (
                    request.status,
                    action,
                )
            unlocked = list(
                AuditEntry.objects.filter(request_id=request.pk, action=AuditAction.RECORD_UNLOCKED)
            )
            if request.status != RequestStatus.COMPLETED:
                assert unlocked == []
                continue
            own = [e for e in unlocked if "with_batch" not in e.data]
            assert len(own) == len(request.targets.all())
            # Each transaction a batch opened with it has its own entry, and the batch's
            # entry names exactly those.
            for entry in own:
                if entry.target_type != "batch":
                    continue
                named = entry.data["with"]["invoices"] + entry.data["with"]["payments"]
                carried = [e for e in unlocked if e.data.get("with_batch") == entry.target_number]
                assert sorted(e.target_number for e in carried) == sorted(named)
                assert {(e.state_before, e.state_after) for e in carried} <= {("bypassed", "open")}


def test_any_sequence_of_actions_keeps_the_promises(db):
    run_state_machine_as_test(UnlockMachine)
