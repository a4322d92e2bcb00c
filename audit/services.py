"""Writing the audit trail: inside the caller's transaction, three statements per change
(an insert more for each ENTRIES_PER_INSERT entries past the first)."""

import logging
from functools import partial

from django.db import transaction
from django.utils import timezone

from audit import tasks
from audit.actors import Actor
from audit.chain import entry_hash
from audit.metrics import count_on_commit
from audit.models import AuditChainHead, AuditEntry
from core import logs

log = logging.getLogger(__name__)

# How many entries one INSERT carries: an approval of 100,000 transactions writes as many
# entries, and one statement of them all spends most of its time parsing the arrays.
ENTRIES_PER_INSERT = 2000


def record_entry(*, tenant, actor: Actor, **fields) -> AuditEntry:
    """Append one entry to the tenant's chain, in the transaction of the change it records.

    `fields` are those of `_entry`: action, request, target (a record, or a (type, number)
    pair), state_before, state_after, code, consent_version, consent_sha256, data.
    """
    [entry] = record_entries(tenant=tenant, actor=actor, entries=[fields])
    return entry


def record_entries(*, tenant, actor: Actor, entries) -> list[AuditEntry]:
    """Append several entries by one actor to the tenant's chain, in this order.

    Each of `entries` is a dict of record_entry's keywords (without tenant and actor).
    Lock the head, insert them ENTRIES_PER_INSERT at a time, move the head.
    """
    if not entries:
        return []
    # No savepoint: a failure here fails the caller's change, which must not commit unaudited.
    with transaction.atomic(savepoint=False):
        # The head row serialises writers of one tenant: no gaps, no forks.
        head = _locked_head(tenant.pk)
        seq, prev_hash = head.last_seq, head.last_hash
        # One time for the whole change: its entries are written in one transaction.
        at = timezone.now()
        rows = []
        for fields in entries:
            seq += 1
            entry = _entry(tenant.pk, seq, at, actor, prev_hash, **fields)
            rows.append(entry)
            prev_hash = entry.hash
        AuditEntry.objects.bulk_create(rows, batch_size=ENTRIES_PER_INSERT)
        AuditChainHead.objects.filter(pk=head.pk).update(last_seq=seq, last_hash=prev_hash)
        count_on_commit(rows)
    # The log lines of the request or task from here on say whose change it was.
    logs.bind(tenant=tenant.slug, actor=actor.in_logs)
    return rows


def _locked_head(tenant_id):
    heads = AuditChainHead.objects.select_for_update().filter(tenant_id=tenant_id)
    head = heads.first()
    if head is None:
        # A tenant's first entry: two first writers may race; the loser's insert does nothing
        # and its locked read below waits for the winner to commit.
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(tenant_id=tenant_id)], ignore_conflicts=True
        )
        head = heads.get()
    return head


def _entry(
    tenant_id,
    seq,
    at,
    actor,
    prev_hash,
    *,
    action,
    request=None,
    target=None,
    state_before="",
    state_after="",
    code="",
    consent_version=None,
    consent_sha256="",
    data=None,
):
    if target is None:
        target_type, target_number = "", ""
    elif isinstance(target, tuple):
        target_type, target_number = target
    else:
        target_type, target_number = target.record_type, target.number
    values = dict(
        tenant_id=tenant_id,
        seq=seq,
        at=at,
        actor_kind=actor.kind,
        actor_label=actor.label,
        actor_user_id=actor.user_id,
        actor_api_client_id=actor.api_client_id,
        action=action,
        target_type=target_type,
        target_number=target_number,
        request_id=getattr(request, "pk", request),
        state_before=state_before or "",
        state_after=state_after or "",
        code=code,
        consent_version=consent_version,
        consent_sha256=consent_sha256,
        ip=actor.ip,
        user_agent=actor.user_agent,
        http_request_id=actor.request_id,
        data=data or {},
    )
    return AuditEntry(**values, prev_hash=prev_hash, hash=entry_hash(values, prev_hash))


def sign_after_commit(*, tenant) -> None:
    """Ask for a signed checkpoint of the tenant's chain once this transaction commits.
    A broker that is down only delays it: the beat job signs every chain that moved."""
    transaction.on_commit(partial(_ask_for_checkpoint, tenant.pk))


def _ask_for_checkpoint(tenant_id):
    try:
        tasks.sign_checkpoint.delay(tenant_id)
    except Exception:  # the broker's errors vary by transport; all mean "not now"
        log.warning("Could not ask for a checkpoint of tenant %s now.", tenant_id, exc_info=True)
