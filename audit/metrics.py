"""The counters of what happened, moved by the audit trail's writer: every step of an unlock
(opened, approved, refused, a wrong PIN, ...) leaves exactly one audit entry, so counting
the entries as they commit counts each step once, whichever door took it.

COUNTED says which counter an entry's action moves; actions not in it move none.
"""

from collections import Counter
from functools import partial

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from audit.models import AuditAction, AuditChainHead, AuditCheckpoint
from core import metrics

COUNTED = {
    AuditAction.REQUEST_OPENED: (metrics.UNLOCK_REQUESTS, {"event": "opened"}),
    AuditAction.REQUEST_APPROVED: (metrics.UNLOCK_REQUESTS, {"event": "approved"}),
    # The first of two approvals: recorded, nothing unlocked yet.
    AuditAction.APPROVAL_RECORDED: (metrics.UNLOCK_REQUESTS, {"event": "approval_recorded"}),
    AuditAction.REQUEST_REFUSED: (metrics.UNLOCK_REQUESTS, {"event": "refused"}),
    AuditAction.REQUEST_CANCELLED: (metrics.UNLOCK_REQUESTS, {"event": "cancelled"}),
    AuditAction.REQUEST_EXPIRED: (metrics.UNLOCK_REQUESTS, {"event": "expired"}),
    AuditAction.REQUEST_RELOCKED: (metrics.UNLOCK_REQUESTS, {"event": "relocked"}),
    AuditAction.PIN_INCORRECT: (metrics.PIN_FAILURES, {}),
    AuditAction.PIN_LOCKED: (metrics.PIN_LOCKS, {}),
    AuditAction.SECOND_FACTOR_INCORRECT: (metrics.SECOND_FACTOR_FAILURES, {}),
    AuditAction.SIGN_IN_LOCKED: (metrics.SIGN_IN_LOCKS, {}),
}

# Refusals by the step refused, labelled with the rule's code.
REFUSED_STEPS = {
    AuditAction.OPEN_REFUSED: "open",
    AuditAction.VERIFY_REFUSED: "verify",
    AuditAction.REQUEST_REFUSED: "approve",
    AuditAction.CANCEL_REFUSED: "cancel",
    AuditAction.RELOCK_REFUSED: "relock",
}


def count_on_commit(entries):
    """Move the counters of `entries` (audit entries being written) once, and only if, the
    transaction that writes them commits."""
    seen = Counter((entry.action, entry.code) for entry in entries)
    if any(action in COUNTED or action in REFUSED_STEPS for action, _ in seen):
        transaction.on_commit(partial(_count, seen))


def _count(seen):
    for (action, code), n in seen.items():
        if action in COUNTED:
            counter, labels = COUNTED[action]
            (counter.labels(**labels) if labels else counter).inc(n)
        if action in REFUSED_STEPS:
            metrics.REFUSALS.labels(step=REFUSED_STEPS[action], code=code).inc(n)


class CheckpointCollector:
    """The signed checkpoints' figures, read at each scrape: how long ago the newest was
    signed, and how many entries no checkpoint covers yet (the beat job signs them)."""

    def collect(self):
        newest = AuditCheckpoint.objects.aggregate(at=Max("signed_at"))["at"]
        age = GaugeMetricFamily(
            f"{metrics.NAMESPACE}_audit_checkpoint_age_seconds",
            "Seconds since the newest signed checkpoint of any tenant's audit chain; absent "
            "before the first.",
        )
        if newest is not None:
            age.add_metric([], (timezone.now() - newest).total_seconds())
        written = AuditChainHead.objects.aggregate(n=Sum("last_seq"))["n"] or 0
        covered = sum(
            AuditCheckpoint.objects.values("tenant")
            .annotate(size=Max("tree_size"))
            .values_list("size", flat=True)
        )
        uncovered = GaugeMetricFamily(
            f"{metrics.NAMESPACE}_audit_entries_uncovered",
            "Audit entries of all tenants that no signed checkpoint covers yet.",
        )
        uncovered.add_metric([], written - covered)
        yield age
        yield uncovered


checkpoints = CheckpointCollector()
