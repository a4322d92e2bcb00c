"""Reading and checking the audit trail."""

import queue
import threading
from contextlib import closing
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from audit.chain import HASHED_FIELDS, entry_hash, join_stretches, verify_rows, verify_stretch
from audit.models import AuditChainHead, AuditEntry


@dataclass(frozen=True)
class ChainReport:
    tenant: str
    ok: bool
    entries: int
    first_bad_seq: int | None


def verify_chain(*, tenant) -> ChainReport:
    """Walk a tenant's chain in order and name the first entry that does not fit.

    The chain head anchors the end: entries cut off the end, or a last entry
    rewritten with a recomputed hash, are named too.
    """
    # The head is read first: every entry up to it was committed with it, so a
    # writer appending meanwhile cannot look like tampering.
    head = AuditChainHead.objects.filter(tenant_id=tenant.pk).first()
    max_seq = head.last_seq if head is not None else None
    entries = AuditEntry.objects.filter(tenant_id=tenant.pk)
    if max_seq is not None:
        entries = entries.filter(seq__lte=max_seq)
    head_sql = _hashed_head_sql() if connection.vendor == "postgresql" else None
    if head_sql:
        count, first_bad = _verify_prepared(tenant.pk, head_sql, max_seq, entries)
    else:
        rows = (
            entries.order_by("seq")
            .values_list(*HASHED_FIELDS, "prev_hash", "hash")
            .iterator(chunk_size=5000)
        )
        count, first_bad = verify_rows(rows)
    if first_bad is None and head is not None:
        last_seq, last_hash = entries.order_by("-seq").values_list("seq", "hash").first() or (0, "")
        if last_seq < head.last_seq:
            first_bad = last_seq + 1
        elif last_hash != head.last_hash:
            first_bad = head.last_seq
    return ChainReport(
        tenant=tenant.slug, ok=first_bad is None, entries=count, first_bad_seq=first_bad
    )


# PostgreSQL writes every hashed field but `data` as the JSON text json.dumps gives
# (to_json escapes strings as Python does with ensure_ascii=False), so a chain of
# millions of entries is checked at the speed of one sha256 per row. Each entry that
# does not match is checked again the plain way before it is named.
_ISO_UTC = (
    "to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
    "CASE WHEN extract(microseconds FROM {c})::bigint %% 1000000 = 0 THEN '' "
    "ELSE to_char({c} AT TIME ZONE 'UTC', '.US') END || '+00:00'"
)
_AS_JSON = {
    "ForeignKey": "{c}::text",
    "BigIntegerField": "{c}::text",
    "PositiveBigIntegerField": "{c}::text",
    "PositiveIntegerField": "{c}::text",
    "IntegerField": "{c}::text",
    "CharField": "to_json({c})::text",
    "UUIDField": "to_json({c}::text)::text",
    "DateTimeField": f"to_json({_ISO_UTC})::text",
}
# Most rows hold no character JSON must escape; for them one format() call quotes the
# strings as they are, which costs the database a fraction of a to_json per field.
_PLAIN_JSON = {
    **_AS_JSON,
    "CharField": "'\"' || {c} || '\"'",
    "UUIDField": "'\"' || {c}::text || '\"'",
    "DateTimeField": f"'\"' || {_ISO_UTC} || '\"'",
}
_NEEDS_ESCAPE = r"""('[' || chr(1) || '-' || chr(31) || '"\\]')"""


def _hashed_head_sql():
    """SQL for the hashed JSON text before `data`; None if a field has no known form."""
    *before, last = HASHED_FIELDS
    if last != "data":
        return None
    exact = ["'['", "to_json(prev_hash)::text"]
    specs, args, texts = ['"%s"'], ["prev_hash"], ["prev_hash"]
    for name in before:
        field = AuditEntry._meta.get_field(name)
        kind = field.get_internal_type()
        if kind not in _AS_JSON:
            return None
        column = f'"{field.column}"'
        exact += ["','", f"COALESCE({_AS_JSON[kind].format(c=column)}, 'null')"]
        if kind == "CharField" and not field.null:
            texts.append(column)
            specs.append('"%s"')
            args.append(column)
        else:
            specs.append("%s")
            args.append(f"COALESCE({_PLAIN_JSON[kind].format(c=column)}, 'null')")
    exact.append("','")
    # %% because the statement runs with parameters (psycopg2 reads % as one).
    plain = f"format('[{','.join(specs)},', {', '.join(args)})".replace("%s", "%%s")
    return (
        f"CASE WHEN concat({', '.join(texts)}) ~ {_NEEDS_ESCAPE} "
        f"THEN {' || '.join(exact)} ELSE {plain} END"
    )


def _prepared_rows(tenant_id, head_sql, *, first_seq=1, last_seq=None, chunk_size=10_000):
    """The rows from `first_seq` to `last_seq`, fetched a chunk ahead while this one is
    hashed."""
    sql = (
        f"SELECT seq, prev_hash, hash, {head_sql}, data::text "  # noqa: S608
        f"FROM {AuditEntry._meta.db_table} "
        "WHERE tenant_id = %s AND seq >= %s AND seq <= %s ORDER BY seq"
    )
    params = [tenant_id, first_seq, last_seq if last_seq is not None else 2**62]
    return prefetched_rows(sql, params, chunk_size=chunk_size)


def _verify_prepared(tenant_id, head_sql, max_seq, entries):
    """(count, first_bad_seq) of the chain up to `max_seq`.

    A long chain is cut into AUDIT_VERIFY_CONNECTIONS stretches of seq, each checked on
    a connection of its own at the same time, so the database's part (writing each row's
    JSON text) runs on as many cores; `join_stretches` then ties their ends together and
    answers as one pass in order would. Only outside a transaction: other connections see
    only what has been committed, and the head read here must be no newer than that.
    """
    parts = settings.AUDIT_VERIFY_CONNECTIONS
    if (
        parts < 2
        or max_seq is None
        or max_seq < settings.AUDIT_VERIFY_STRETCH_MIN * parts
        or connection.in_atomic_block
    ):
        return join_stretches([_stretch(tenant_id, head_sql, entries, 1, max_seq)])
    size = -(-max_seq // parts)
    bounds = [(lo, min(lo + size - 1, max_seq)) for lo in range(1, max_seq + 1, size)]
    results, failures = [None] * len(bounds), []

    def check(index, lo, hi):
        # A thread's own connection (Django's are per thread), closed when it is done.
        try:
            results[index] = _stretch(tenant_id, head_sql, entries, lo, hi)
        except Exception as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=check, args=(i, lo, hi), name="verify_chain")
        for i, (lo, hi) in enumerate(bounds)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return join_stretches(results)


def _stretch(tenant_id, head_sql, entries, lo, hi):
    """verify_stretch over the entries from seq `lo` to `hi` (None: to the end)."""
    # Closed here, in the caller's thread: a stretch that stops early ends its reader now.
    with closing(_prepared_rows(tenant_id, head_sql, first_seq=lo, last_seq=hi)) as rows:
        return verify_stretch(
            rows,
            lambda seq: _entry_fits(entries, seq),
            first_seq=lo,
            first_prev="" if lo == 1 else None,
        )


def prefetched_rows(sql, params, *, chunk_size):
    """The rows of `sql`, read through a server-side cursor by a thread a chunk ahead:
    the database prepares the next chunk while the caller works on this one (psycopg2
    lets go of the GIL while it waits). Closing the generator ends the thread."""
    # In a transaction the server-side cursor is computed as it is read, not all at once.
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        chunks, stop, failure = queue.Queue(maxsize=2), threading.Event(), []

        def fetch():
            try:
                while not stop.is_set() and (chunk := cursor.cursor.fetchmany(chunk_size)):
                    chunks.put(chunk)
            except Exception as exc:
                failure.append(exc)
            finally:
                chunks.put(None)

        fetcher = threading.Thread(target=fetch, name="prefetched_rows", daemon=True)
        fetcher.start()
        ended = False
        try:
            while (chunk := chunks.get()) is not None:
                yield from chunk
            ended = True
        finally:
            # The reader may stop early (a broken entry, a client gone): end the fetcher
            # before the cursor closes under it. It always puts None last; once that
            # was read, nothing more will come.
            stop.set()
            while not ended:
                ended = chunks.get() is None
            fetcher.join()
        if failure:
            raise failure[0]


def _entry_fits(entries, seq):
    row = entries.filter(seq=seq).values_list(*HASHED_FIELDS, "prev_hash", "hash").first()
    n = len(HASHED_FIELDS)
    return row is not None and entry_hash(row[:n], row[n]) == row[n + 1]


def entries_for(*, tenant=None, request_id=None, action=None, record=None, since=None, until=None):
    """Audit entries filtered as the trail's search allows, oldest first within a tenant."""
    qs = AuditEntry.objects.select_related("tenant").order_by("tenant_id", "seq")
    if tenant is not None:
        qs = qs.filter(tenant=tenant)
    if request_id is not None:
        qs = qs.filter(request_id=request_id)
    if action:
        qs = qs.filter(action=action)
    if record:
        qs = qs.filter(target_number=record)
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lt=until)
    return qs
