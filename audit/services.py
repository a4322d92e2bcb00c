"""Writing the audit trail: inside the caller's transaction, a few round trips per change."""

from django.db import connection, transaction
from django.utils import timezone

from audit.actors import Actor
from audit.chain import HASHED_FIELDS, entry_hash
from audit.models import AuditChainHead, AuditEntry
from config import compiled


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
    A fixed number of round trips whatever their number: lock the head, then insert them
    all and move the head (one statement on PostgreSQL, two elsewhere).
    """
    if not entries:
        return []
    # No savepoint: a failure here fails the caller's change, which must not commit unaudited.
    with transaction.atomic(savepoint=False):
        # The head row serialises writers of one tenant: no gaps, no forks.
        head = _locked_head(tenant.pk)
        seq, prev_hash = head.last_seq, head.last_hash
        rows = []
        for fields in entries:
            seq += 1
            entry = _entry(tenant.pk, seq, actor, prev_hash, **fields)
            rows.append(entry)
            prev_hash = entry.hash
        if connection.vendor == "postgresql":
            _insert_moving_head(rows, head.pk, seq, prev_hash)
        else:
            # One INSERT for them all.
            AuditEntry.objects.bulk_create(rows)
            _MOVE_HEAD.run(head_id=head.pk, seq=seq, hash=prev_hash)
    return rows


# The entry's columns as the model names them, its id (the database's) aside.
_INSERTED = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]


def _insert_moving_head(rows, head_id, seq, last_hash):
    """PostgreSQL: insert the entries and move the head in one statement, a round trip
    fewer for every change. The head's update is a data-modifying WITH: it runs exactly
    once, whatever the INSERT returns, and fails with it."""
    quote = connection.ops.quote_name
    marks = "(" + ", ".join(["%s"] * len(_INSERTED)) + ")"
    sql = (
        f"WITH moved AS (UPDATE {quote(AuditChainHead._meta.db_table)} "  # noqa: S608
        f"SET {quote('last_seq')} = %s, {quote('last_hash')} = %s WHERE {quote('id')} = %s) "
        f"INSERT INTO {quote(AuditEntry._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in _INSERTED)}) "
        f"VALUES {', '.join([marks] * len(rows))} RETURNING {quote('id')}"
    )
    params = [seq, last_hash, head_id]
    for row in rows:
        params.extend(f.get_db_prep_save(f.pre_save(row, True), connection) for f in _INSERTED)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # RETURNING gives the ids in the order of VALUES, as bulk_create relies on too.
        for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
            row.pk = pk
            row._state.adding = False
            row._state.db = connection.alias


# Every change takes these two: compiled once (config/compiled.py).
_LOCKED_HEAD = compiled.CompiledRead(
    lambda tenant_id: (
        AuditChainHead.objects.select_for_update()
        .filter(tenant_id=tenant_id)
        .order_by()
        .values_list("id", "last_seq", "last_hash")[:1]
    ),
    tenant_id=compiled.number_stand_in(),
)
_MOVE_HEAD = compiled.CompiledUpdate(
    lambda head_id, seq, hash: (
        AuditChainHead.objects.filter(pk=head_id),
        {"last_seq": seq, "last_hash": hash},
    ),
    head_id=compiled.number_stand_in(),
    seq=compiled.number_stand_in(),
    hash=compiled.text_stand_in(),
)


def _locked_head(tenant_id):
    rows = _LOCKED_HEAD.rows(tenant_id=tenant_id)
    if not rows:
        # A tenant's first entry: two first writers may race; the loser's insert does nothing
        # and its locked read below waits for the winner to commit.
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(tenant_id=tenant_id)], ignore_conflicts=True
        )
        rows = _LOCKED_HEAD.rows(tenant_id=tenant_id)
    head_id, last_seq, last_hash = rows[0]
    return AuditChainHead(id=head_id, tenant_id=tenant_id, last_seq=last_seq, last_hash=last_hash)


def _entry(
    tenant_id,
    seq,
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
    entry = AuditEntry(
        tenant_id=tenant_id,
        seq=seq,
        at=timezone.now(),
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
        prev_hash=prev_hash,
    )
    entry.hash = entry_hash({f: getattr(entry, f) for f in HASHED_FIELDS}, prev_hash)
    return entry
