"""The steps of an unlock request as an agent reads them, drawn from its audit entries."""

from dataclasses import dataclass, field

from audit.models import AuditAction
from audit.selectors import entries_for


@dataclass
class Step:
    kind: str  # opened | wrong_pin | locked | refused | approved | unlocked | cancelled | expired
    title: str
    at: object
    actor: str
    detail: str = ""
    numbers: list = field(default_factory=list)


def _detail(entry):
    data = entry.data or {}
    if entry.action == AuditAction.REQUEST_OPENED:
        numbers = ", ".join(t["number"] for t in data.get("targets", []))
        return f"for {numbers} ({data.get('channel', '')})"
    if entry.action == AuditAction.PIN_INCORRECT:
        left = data.get("attempts_left")
        return f"given for {data.get('approver', '')}; {left} tries left"
    if entry.action == AuditAction.PIN_LOCKED:
        return f"PIN verification locked until {data.get('locked_until', '')[:16]} UTC"
    if entry.action == AuditAction.REQUEST_APPROVED:
        return f"by {data.get('approver', '')}, consent v{entry.consent_version}"
    if entry.action in (AuditAction.REQUEST_CANCELLED, AuditAction.REQUEST_EXPIRED):
        return data.get("reason", "")
    if entry.action in (AuditAction.VERIFY_REFUSED, AuditAction.REQUEST_REFUSED):
        return entry.code.replace("_", " ")
    return ""


KINDS = {
    AuditAction.REQUEST_OPENED: ("opened", "Opened"),
    AuditAction.PIN_INCORRECT: ("wrong_pin", "Wrong PIN"),
    AuditAction.PIN_LOCKED: ("locked", "PIN locked"),
    AuditAction.VERIFY_REFUSED: ("refused_try", "Verification refused"),
    AuditAction.REQUEST_APPROVED: ("approved", "Approved"),
    AuditAction.REQUEST_REFUSED: ("refused", "Refused"),
    AuditAction.REQUEST_CANCELLED: ("cancelled", "Cancelled"),
    AuditAction.REQUEST_EXPIRED: ("expired", "Expired"),
}


def timeline_for(request):
    """The request's steps, oldest first; the records unlocked together make one step."""
    steps = []
    entries = entries_for(request_id=request.pk).exclude(
        # The transactions a batch opened with it: named in the batch's own entry.
        action=AuditAction.RECORD_UNLOCKED,
        data__with_batch__isnull=False,
    )
    for entry in entries:
        if entry.action == AuditAction.RECORD_UNLOCKED:
            number = entry.target_number
            carried = entry.data.get("with", {})
            carried = carried.get("invoices", []) + carried.get("payments", [])
            if carried:
                number = f"{number} (with {', '.join(carried)})"
            if steps and steps[-1].kind == "unlocked":
                steps[-1].numbers.append(number)
            else:
                steps.append(
                    Step("unlocked", "Unlocked", entry.at, entry.actor_label, "", [number])
                )
            continue
        kind, title = KINDS.get(entry.action, ("other", entry.get_action_display()))
        steps.append(Step(kind, title, entry.at, entry.actor_label, _detail(entry)))
    for step in steps:
        if step.kind == "unlocked":
            step.detail = ", ".join(step.numbers)
    return steps
