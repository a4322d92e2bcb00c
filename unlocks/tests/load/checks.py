"""What the database must say after a mixed load: every answer the load got holds.

`mismatches` returns sentences (empty when all holds); it reads with the ORM, so it runs
in the test's process against the test database, or in the server's environment
(`manage.py shell`) against a server's own database.
"""

import json
from collections import Counter
from datetime import datetime

from django.conf import settings

from accounts.models import Tenant
from audit.models import AuditAction, AuditEntry
from audit.selectors import verify_chain
from notifications.models import MessageStatus, OutboxMessage
from unlocks.models import RECORD_MODELS, LockState, RecordType, RequestStatus, UnlockRequest
from unlocks.rules import RULE_CODES
from unlocks.tests.load.traffic import ADMIN, TENANT

# Refusals of an approval that come after the PIN was found right.
AFTER_A_RIGHT_PIN = ("consent_required", "consent_stale", "duplicate_risk_not_acknowledged")


def mismatches(answers, *, expired, tenant_slug=TENANT):
    """Every way the database disagrees with the answers (and the audit trail with its
    rules), as sentences; `expired` is how many requests the expiry job expired."""
    tenant = Tenant.objects.get(slug=tenant_slug)
    requests = {
        str(r.pk): r
        for r in UnlockRequest.objects.filter(tenant=tenant)
        .select_related("approved_by")
        .prefetch_related("targets")
    }
    states, in_batch = {}, {}
    for record_type in RecordType.values:
        model = RECORD_MODELS[record_type]
        columns = ["number", "state"] + (
            [] if record_type == RecordType.BATCH else ["batch__number"]
        )
        for number, state, *batch in model.objects.filter(tenant=tenant).values_list(*columns):
            states[(record_type, number)] = state
            if batch and batch[0]:
                in_batch.setdefault(batch[0], []).append((record_type, number))
    entries = list(AuditEntry.objects.filter(tenant=tenant).order_by("seq"))
    problems = []
    said = Counter()

    def wrong(answer, what):
        problems.append(
            f"{answer['kind']} {answer['status']} {answer['code'] or ''} "
            f"{answer.get('id') or answer.get('target') or ''}: {what}"
        )

    for a in answers:
        key = (a["kind"], a["status"], a["code"])
        said[key] += 1
        unlock = requests.get(a.get("id"))
        if a.get("id") and unlock is None:
            wrong(a, "the request is not in the database")
        elif a["kind"] == "open" and a["status"] == 201:
            if sorted((t.record_type, t.number) for t in unlock.targets.all()) != sorted(
                tuple(t) for t in a["targets"]
            ):
                wrong(a, "its targets are not those asked for")
        elif a["kind"] in ("verify", "guess") and a["status"] == 200:
            if a["kind"] == "guess":
                wrong(a, "a wrong PIN approved the request")
            approver = unlock.approved_by.email if unlock.approved_by else None
            if unlock.status != RequestStatus.COMPLETED or approver != ADMIN:
                wrong(a, f"approved, but the request is {unlock.status}")
            for t in unlock.targets.all():
                if states[(t.record_type, t.number)] != LockState.OPEN:
                    wrong(a, f"approved, but {t.record_type} {t.number} is not open")
        elif a["code"] == "request_not_pending":
            if unlock.status != a["details"]["status"]:
                wrong(a, f"said {a['details']['status']}, the request is {unlock.status}")
        elif a["kind"] in ("verify", "guess") and a["code"] in RULE_CODES:
            if (unlock.status, unlock.refusal_code) != (RequestStatus.REFUSED, a["code"]):
                wrong(a, f"refused at approval, but it is {unlock.status} {unlock.refusal_code}")
        elif a["kind"] == "cancel" and a["status"] == 200:
            if unlock.status != RequestStatus.CANCELLED:
                wrong(a, f"cancelled, but the request is {unlock.status}")
        elif a["kind"] == "read" and a["status"] == 200:
            if (
                a["request_status"] != RequestStatus.PENDING
                and unlock.status != a["request_status"]
            ):
                wrong(a, f"read {a['request_status']}, the request is {unlock.status}")
        elif a["kind"] == "lookup" and a["status"] == 200:
            if a["state"] == LockState.OPEN and states[tuple(a["target"])] != LockState.OPEN:
                wrong(a, "read open, but it is locked again")
            if unknown := [i for i in a["open_requests"] if i not in requests]:
                wrong(a, f"names requests that do not exist: {unknown}")

    opened = {a["id"] for a in answers if a["kind"] == "open" and a["status"] == 201}
    if set(requests) != opened:
        problems.append(
            f"{len(set(requests) - opened)} requests in the database were never "
            f"answered 201, {len(opened - set(requests))} answered 201 are missing"
        )

    by_status = Counter(r.status for r in requests.values())
    approved = said[("verify", 200, None)] + said[("guess", 200, None)]
    refused = sum(n for (kind, _, code), n in said.items() if kind != "open" and code in RULE_CODES)
    expected = {
        RequestStatus.COMPLETED: approved,
        RequestStatus.CANCELLED: said[("cancel", 200, None)],
        RequestStatus.EXPIRED: expired,
        RequestStatus.REFUSED: refused,
    }
    for status, count in expected.items():
        if by_status[status] != count:
            problems.append(f"{by_status[status]} requests are {status}, the answers say {count}")

    # Records open exactly where an approval opened them (a batch with its transactions).
    opened_by_approval = set()
    for unlock in requests.values():
        if unlock.status == RequestStatus.COMPLETED:
            for t in unlock.targets.all():
                opened_by_approval.add((t.record_type, t.number))
                if t.record_type == RecordType.BATCH:
                    opened_by_approval.update(in_batch.get(t.number, []))
    for (record_type, number), state in states.items():
        if number.startswith("LD-") and (state == LockState.OPEN) != (
            (record_type, number) in opened_by_approval
        ):
            problems.append(f"{record_type} {number} is {state}, against the approvals")

    for unlock in requests.values():
        closed = unlock.status != RequestStatus.PENDING
        if closed != (unlock.closed_at is not None):
            problems.append(f"request {unlock.pk} is {unlock.status}, closed at {unlock.closed_at}")
        if (unlock.status == RequestStatus.COMPLETED) != (unlock.approved_at is not None):
            problems.append(
                f"request {unlock.pk} is {unlock.status}, approved {unlock.approved_at}"
            )

    actions = Counter(e.action for e in entries)
    audited = {
        AuditAction.REQUEST_OPENED: len(opened),
        AuditAction.REQUEST_APPROVED: approved,
        AuditAction.REQUEST_CANCELLED: said[("cancel", 200, None)],
        AuditAction.REQUEST_EXPIRED: expired,
        AuditAction.REQUEST_REFUSED: refused,
        AuditAction.OPEN_REFUSED: sum(
            n for (kind, status, _), n in said.items() if kind == "open" and status in (404, 409)
        ),
    }
    for action, count in audited.items():
        if actions[action] != count:
            problems.append(f"{actions[action]} {action} audit entries, the answers say {count}")

    wrong_pins = said[("guess", 403, "pin_incorrect")] + said[("verify", 403, "pin_incorrect")]
    if actions[AuditAction.PIN_INCORRECT] != wrong_pins + actions[AuditAction.PIN_LOCKED]:
        problems.append(
            f"{actions[AuditAction.PIN_INCORRECT]} pin_incorrect entries for {wrong_pins} "
            f"answers of 403 and {actions[AuditAction.PIN_LOCKED]} lock-outs"
        )
    lock_answers = said[("guess", 423, "pin_locked")] + said[("verify", 423, "pin_locked")]
    refused_locked = sum(
        1 for e in entries if e.action == AuditAction.VERIFY_REFUSED and e.code == "pin_locked"
    )
    if lock_answers != actions[AuditAction.PIN_LOCKED] + refused_locked:
        problems.append(
            f"{lock_answers} answers of 423 for {actions[AuditAction.PIN_LOCKED]} lock-outs "
            f"and {refused_locked} attempts refused while locked"
        )
    locks = {e.data["locked_until"] for e in entries if e.action == AuditAction.PIN_LOCKED}
    for a in answers:
        if a["code"] == "pin_locked" and a["details"]["locked_until"] not in locks:
            wrong(a, f"locked until {a['details']['locked_until']}, which no lock-out says")

    # Without Redis each email goes in-process once its change commits, before the answer.
    unsent = (
        OutboxMessage.objects.filter(reference__in=list(requests))
        .exclude(status=MessageStatus.DELIVERED)
        .count()
    )
    if unsent:
        problems.append(f"{unsent} emails about the requests were not sent")

    problems.extend(pin_cycle_problems(entries))
    chain = verify_chain(tenant=tenant)
    if not chain.ok:
        problems.append(f"the audit chain breaks at entry {chain.first_bad_seq}")
    return problems


def pin_cycle_problems(entries):
    """SPEC rule 6 read off the trail: PINs are checked one at a time, at most
    PIN_MAX_FAILURES wrong ones before the lock-out (a right one starts the count again),
    and none at all while the PIN is locked."""
    most = settings.PIN_MAX_FAILURES
    problems = []
    streak, locked_until = 0, None
    for e in entries:
        checked = e.action in (AuditAction.PIN_INCORRECT, AuditAction.REQUEST_APPROVED)
        checked |= e.action == AuditAction.REQUEST_REFUSED
        checked |= e.action == AuditAction.VERIFY_REFUSED and e.code in AFTER_A_RIGHT_PIN
        if checked and locked_until is not None and e.at < locked_until:
            problems.append(f"entry {e.seq}: a PIN was checked while locked ({e.action})")
        if e.action == AuditAction.PIN_INCORRECT:
            streak += 1
            if streak > most or e.data["attempts_left"] != most - streak:
                problems.append(
                    f"entry {e.seq}: wrong PIN {streak} in a row, "
                    f"{e.data['attempts_left']} attempts left"
                )
        elif e.action == AuditAction.PIN_LOCKED:
            if streak != most:
                problems.append(f"entry {e.seq}: locked after {streak} wrong PINs, not {most}")
            streak, locked_until = 0, datetime.fromisoformat(e.data["locked_until"])
        elif checked:
            streak = 0
    return problems


def report_from_file(path, expired):
    """For a server's own database: print the mismatches of the answers saved at `path`
    as one line of JSON (run through `manage.py shell -c`)."""
    with open(path) as f:
        answers = json.load(f)
    print(json.dumps(mismatches(answers, expired=expired)))
