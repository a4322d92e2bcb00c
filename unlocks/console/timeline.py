"""The steps of an unlock request as an agent reads them, drawn from its audit entries."""

from dataclasses import dataclass, field
from datetime import datetime

from audit.models import AuditAction
from audit.selectors import entries_for
from core import times
from core.words import factors_in_words, in_words
from unlocks.selectors import shown_entries


@dataclass
class Step:
    kind: str  # opened | wrong_pin | locked | refused_try | approved | unlocked | cancelled | ...
    title: str
    at: object
    actor: str
    detail: str = ""
    numbers: list = field(default_factory=list)
    code: str = ""  # the rule or error code, shown small after the words
    # The records the step names, each with what came with it, to show as links: the
    # page writes "for" before them when the step is the opening, and `after` behind them.
    records: list = field(default_factory=list)  # (number, [numbers that came with it])
    after: str = ""


def tries_left(n):
    if not n:
        return "no tries left"
    return "1 try left" if n == 1 else f"{n} tries left"


def shown(value):
    """A stored ISO time as every console page writes times, in the agent's zone:
    2026-12-01 23:50 MST."""
    try:
        at = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return ""
    return times.local(at)


# These steps' detail is the reason someone gave (or the system's, for an expiry).
REASON_IS_DETAIL = {
    AuditAction.REQUEST_CANCELLED,
    AuditAction.REQUEST_EXPIRED,
    AuditAction.CANCEL_REFUSED,
    AuditAction.RELOCK_REFUSED,
}


def _detail(entry):
    data = entry.data or {}
    if entry.action == AuditAction.REQUEST_OPENED:
        numbers = ", ".join(t["number"] for t in data.get("targets", []))
        channel = data.get("channel", "")
        return f"for {numbers}, by {channel}" if channel else f"for {numbers}"
    if entry.action in (AuditAction.PIN_INCORRECT, AuditAction.SECOND_FACTOR_INCORRECT):
        return f"given for {data.get('approver', '')}; {tries_left(data.get('attempts_left'))}"
    if entry.action == AuditAction.PIN_LOCKED:
        until = shown(data.get("locked_until"))
        return f"PIN verification locked on every channel until {until}"
    if entry.action in REASON_IS_DETAIL:
        return data.get("reason", "")
    if entry.action == AuditAction.VERIFY_REFUSED and data.get("admin_email"):
        return f"for {data['admin_email']}"
    if entry.action == AuditAction.APPROVAL_RECORDED:
        proved = factors_in_words(data.get("approved_with"))
        return (
            f"by {data.get('approver', '')} with {proved}, consent version "
            f"{entry.consent_version}; nothing unlocked until a second admin approves"
        )
    if entry.action == AuditAction.REQUEST_APPROVED:
        proved = data.get("approved_with")
        with_what = f" with {factors_in_words(proved)}" if proved else ""
        said = f"by {data.get('approver', '')}{with_what}, consent version {entry.consent_version}"
        if data.get("unlocked_until"):
            said += f"; unlocked until {shown(data['unlocked_until'])}"
        return said
    if entry.action == AuditAction.REQUEST_RELOCKED:
        exported = data.get("exported_in_window") or []
        said = data.get("reason", "")
        if exported:
            said += f"; exported in the window: {', '.join(exported)}"
        return said
    return ""


KINDS = {
    AuditAction.REQUEST_OPENED: ("opened", "Opened"),
    AuditAction.PIN_INCORRECT: ("wrong_pin", "Wrong PIN"),
    AuditAction.SECOND_FACTOR_INCORRECT: ("wrong_pin", "Wrong second factor"),
    AuditAction.PIN_LOCKED: ("locked", "PIN locked"),
    AuditAction.VERIFY_REFUSED: ("refused_try", "Verification refused"),
    AuditAction.APPROVAL_RECORDED: ("approved_once", "Approved 1 of 2"),
    AuditAction.REQUEST_APPROVED: ("approved", "Approved"),
    AuditAction.REQUEST_REFUSED: ("refused", "Refused at approval"),
    AuditAction.REQUEST_CANCELLED: ("cancelled", "Cancelled"),
    AuditAction.CANCEL_REFUSED: ("refused_try", "Cancelling refused"),
    AuditAction.REQUEST_EXPIRED: ("expired", "Expired"),
    AuditAction.REQUEST_RELOCKED: ("relocked", "Re-locked"),
    AuditAction.RELOCK_REFUSED: ("refused_try", "Re-locking refused"),
}
# These steps say why in their title: "Verification refused: PIN locked".
WITH_REASON = {
    AuditAction.VERIFY_REFUSED,
    AuditAction.REQUEST_REFUSED,
    AuditAction.CANCEL_REFUSED,
    AuditAction.RELOCK_REFUSED,
}
# Records changed together make one step, each named with what came with it.
GROUPED = {
    AuditAction.RECORD_UNLOCKED: ("unlocked", "Unlocked"),
    AuditAction.RECORD_RELOCKED: ("back_locked", "Back to its lock"),
}
GROUPED_KINDS = {kind for kind, _ in GROUPED.values()}


def timeline_for(request, checkpoint=None):
    """The request's steps, oldest first; the records unlocked together make one step; the
    signed `checkpoint` that covers them, where one does, last."""
    steps = []
    entries = shown_entries(entries_for(request_id=request.pk))
    for entry in entries:
        if entry.action in GROUPED:
            kind, title = GROUPED[entry.action]
            number = entry.target_number
            carried = entry.data.get("with", {})
            carried = carried.get("invoices", []) + carried.get("payments", [])
            if carried:
                number = f"{number} (with {', '.join(carried)})"
            if not (steps and steps[-1].kind == kind):
                steps.append(Step(kind, title, entry.at, entry.actor_label, ""))
            steps[-1].numbers.append(number)
            steps[-1].records.append((entry.target_number, carried))
            continue
        kind, title = KINDS.get(entry.action, ("other", entry.get_action_display()))
        code = entry.code if entry.action in WITH_REASON else ""
        if code:
            title = f"{title}: {in_words(code)}"
        step = Step(kind, title, entry.at, entry.actor_label, _detail(entry), code=code)
        if entry.action == AuditAction.REQUEST_OPENED:
            step.records = [(t["number"], []) for t in entry.data.get("targets", [])]
            channel = entry.data.get("channel", "")
            step.after = f", by {channel}" if channel else ""
        steps.append(step)
    for step in steps:
        if step.kind in GROUPED_KINDS:
            step.detail = ", ".join(step.numbers)
    if checkpoint is not None:
        steps.append(
            Step(
                "checkpoint",
                f"Covered by signed checkpoint {checkpoint.number}",
                checkpoint.signed_at,
                "the system",
                f"Audit entries up to #{checkpoint.tree_size}, signed with key {checkpoint.key_id}",
            )
        )
    return steps
