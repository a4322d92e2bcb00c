"""Generate the benchmark tenants with bulk inserts (PostgreSQL COPY).

Rows are written straight into the tables, chunk by chunk, with ids chosen here so
that no row has to be read back. Audit entries get real hash chains, computed with
`audit.chain.entry_hash`, so `audit_verify` checks them like any other chain.
On a database other than PostgreSQL (the tests on SQLite) the same rows go in with
`executemany`.
"""

import io
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from accounts.models import ApiClient, Membership, Role, Tenant, User
from accounts.pins import hash_pin
from accounts.services import create_api_client
from audit.chain import HASHED_FIELDS, entry_hash
from audit.models import AuditChainHead
from bench import plan as p
from bench.progress import Progress
from unlocks.consent import current_consent

CHUNK = 50_000

BATCH_COLUMNS = ("id", "tenant_id", "number", "state", "created_at", "updated_at", "exported_at")
TRANSACTION_COLUMNS = (
    "id",
    "tenant_id",
    "number",
    "state",
    "created_at",
    "updated_at",
    "batch_id",
    "amount_cents",
    "customer",
    "exported_at",
    "date",
)
EXPORT_COLUMNS = (
    "id",
    "tenant_id",
    "invoice_id",
    "payment_id",
    "batch_id",
    "system",
    "external_id",
    "exported_at",
)
REQUEST_COLUMNS = (
    "id",
    "tenant_id",
    "status",
    "caller_name",
    "caller_email",
    "caller_user_id",
    "caller_is_tenant_admin",
    "channel",
    "reason",
    "ticket",
    "opened_by",
    "created_at",
    "expires_at",
    "approved_by_id",
    "approved_at",
    "consent_version",
    "consent_sha256",
    "completed_at",
    "closed_at",
    "close_reason",
    "refusal_code",
)
TARGET_COLUMNS = (
    "id",
    "request_id",
    "record_type",
    "number",
    "batch_id",
    "invoice_id",
    "payment_id",
    "state_at_open",
    "warnings",
)
# An audit row is its id, the hashed fields in the order the hash covers them, then the links.
AUDIT_COLUMNS = ("id", *HASHED_FIELDS, "prev_hash", "hash")

# Every table the generator writes, children first (the order a wipe needs).
TABLES = (
    "audit_auditentry",
    "audit_auditchainhead",
    "unlocks_unlocktarget",
    "unlocks_unlockrequest",
    "unlocks_exportrecord",
    "unlocks_invoice",
    "unlocks_payment",
    "unlocks_batch",
    "accounts_membership",
    "accounts_apiclient",
    "accounts_tenant",
)

# Regular batches cycle through these states: mostly exported, as in real tenants.
BATCH_STATES = ("exported",) * 7 + ("bypassed",) * 2 + ("open",)
LOOSE_STATES = ("imported", "open", "bypassed", "imported")
REQUEST_STATUSES = ("completed",) * 12 + ("expired",) * 5 + ("cancelled", "refused", "pending")
AUDIT_ACTIONS = (
    ("record_exported", "batch", "open", "exported"),
    ("request_opened", "", "", ""),
    ("request_approved", "", "pending", "completed"),
    ("record_unlocked", "invoice", "bypassed", "open"),
    ("pin_incorrect", "", "", ""),
)


# ---------------------------------------------------------------- writing rows


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value):
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        value = json.dumps(value, separators=(",", ":"))
    text = str(value)
    return text.translate(_COPY_ESCAPES)


def _sql_value(value):
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, uuid.UUID):
        return value.hex  # how Django keeps a UUIDField outside PostgreSQL
    return value


def write_rows(table, columns, rows, progress=None):
    """Insert `rows` (an iterable of tuples in `columns` order) in chunks; returns the count."""
    written = 0
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            _write_chunk(table, columns, chunk)
            written += len(chunk)
            chunk = []
            if progress:
                progress.advance(CHUNK)
    if chunk:
        _write_chunk(table, columns, chunk)
        written += len(chunk)
        if progress:
            progress.advance(len(chunk))
    return written


def _write_chunk(table, columns, chunk):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buf = io.StringIO()
            buf.writelines("\t".join(map(_copy_text, row)) + "\n" for row in chunk)
            buf.seek(0)
            cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buf)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
                [tuple(_sql_value(v) for v in row) for row in chunk],
            )


def _next_id(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        return cursor.fetchone()[0] + 1


def _reset_sequences():
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in TABLES:
            if table == "unlocks_unlockrequest":
                continue  # UUID keys
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )


# ---------------------------------------------------------------- the data set


def existing_matches(plans):
    """Whether the database already holds these tenants, as generated at this scale."""
    for tplan in plans:
        tenant = Tenant.objects.filter(slug=tplan.slug).first()
        if tenant is None or not tenant.name.endswith(f"({tplan.name_marker})"):
            return False
    return True


def wipe():
    """Empty every table the generator writes. Only on a database made for the bench."""
    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql" or "bench" not in str(name):
        raise RuntimeError(
            f"Refusing to wipe database {name!r}: the bench only wipes a PostgreSQL database "
            "whose name contains 'bench' (set DATABASE_URL to one, e.g. .../unlockdesk_bench)."
        )
    with connection.cursor() as cursor:
        # The append-only trigger refuses TRUNCATE; the bench database is disposable.
        cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")
        cursor.execute("DELETE FROM accounts_user WHERE email LIKE %s", ["%bench.example"])


def generate(plans, *, out=None):
    """Write every tenant of `plans`; returns {slug: {table: rows}}."""
    current_consent()
    agent = _agent()
    counts = {}
    for tplan in plans:
        started = time.monotonic()
        with transaction.atomic():
            counts[tplan.slug] = _tenant_data(tplan, agent, out)
        if out:
            out(f"  {tplan.slug}: done in {time.monotonic() - started:.1f} s")
    _reset_sequences()
    _client()
    tidy(TABLES)
    return counts


def tidy(tables):
    """VACUUM ANALYZE, as autovacuum would in time: fresh statistics, no dead rows left
    by an earlier run, hint bits set, so a measurement pays for none of that."""
    if connection.vendor != "postgresql":
        return
    # VACUUM cannot run in a transaction (the tests generate inside one): analyse only.
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"{command} {table}")


def _agent():
    agent = User.objects.filter(email=p.AGENT_EMAIL).first()
    if agent is None:
        agent = User.objects.create(
            email=p.AGENT_EMAIL,
            full_name="Bench Agent",
            is_staff=True,
            is_superuser=True,
            password=make_password(p.AGENT_PASSWORD),
        )
    return agent


def _client():
    if not ApiClient.objects.filter(name=p.API_CLIENT).exists():
        create_api_client(name=p.API_CLIENT, key=p.API_KEY)


def _tenant_data(tplan, agent, out):
    now = datetime.now(UTC).replace(microsecond=0)
    base = now - timedelta(days=400)
    tenant = Tenant.objects.create(
        slug=tplan.slug,
        name=f"Bench {tplan.slug} ({tplan.name_marker})",
        pin_hash=hash_pin(p.PIN),
        pin_set_at=now,
    )
    admin = User.objects.create_user(email=p.admin_email(tplan.slug), full_name="Bench Admin")
    Membership.objects.create(tenant=tenant, user=admin, role=Role.ADMIN)

    counts = {}
    batch_ids, batch_states = _batches(tplan, tenant, base, counts)
    txn_ids = _transactions(tplan, tenant, base, batch_ids, batch_states, counts, out)
    _exports(tplan, tenant, base, txn_ids, batch_ids, counts, out)
    _requests(tplan, tenant, admin, agent, base, txn_ids, counts, out)
    _audit(tplan, tenant, agent, base, counts, out)
    return counts


def _batches(tplan, tenant, base, counts):
    first = _next_id("unlocks_batch")
    rows, ids, states = [], {}, {}
    for k, size in enumerate(tplan.bulk_sizes):
        number = tplan.bulk_batch_number(size)
        ids[("bulk", k)] = first + k
        states[first + k] = "bypassed"
        rows.append((first + k, tenant.pk, number, "bypassed", base, base, None))
    start = first + len(tplan.bulk_sizes)
    for j in range(tplan.regular_batches):
        state = BATCH_STATES[j % len(BATCH_STATES)]
        batch_id = start + j
        ids[("regular", j)] = batch_id
        states[batch_id] = state
        at = base + timedelta(minutes=j)
        exported_at = at if state == "exported" else None
        rows.append((batch_id, tenant.pk, f"B-{j + 1:06d}", state, at, at, exported_at))
    counts["batches"] = write_rows("unlocks_batch", BATCH_COLUMNS, rows)
    return ids, states


def _transaction_rows(kind, tplan, tenant, base, batch_ids, batch_states, first_id, placed):
    """Rows of one kind (invoice or payment), recording (id, number, state, batch) in placed."""
    total = tplan.invoices if kind == "invoice" else tplan.payments
    bulk = tplan.bulk_invoices if kind == "invoice" else tplan.bulk_payments
    number_of = tplan.invoice_number if kind == "invoice" else tplan.payment_number
    verify = set(tplan.verify_numbers) if kind == "invoice" else set()
    opening = set(tplan.open_numbers) if kind == "invoice" else set()
    i = 0
    for k, count in enumerate(bulk):
        for _ in range(count):
            i += 1
            batch_id = batch_ids[("bulk", k)]
            yield _txn(first_id + i - 1, tenant, number_of(i), "bypassed", base, batch_id, i)
    regular = max(tplan.regular_batches, 1)
    while i < total:
        i += 1
        number = number_of(i)
        if number in verify:
            state, batch_id = "bypassed", None
        elif number in opening:
            state, batch_id = "imported", None
        elif i % 10 == 0:
            # One transaction in ten is not in a batch: imported, open or bypassed alone.
            state, batch_id = LOOSE_STATES[(i // 10) % len(LOOSE_STATES)], None
        else:
            batch_id = batch_ids[("regular", i % regular)]
            state = batch_states[batch_id]
        row = _txn(first_id + i - 1, tenant, number, state, base, batch_id, i)
        if state == "exported":
            placed.append((row[0], batch_id, row[9]))
        yield row


def _txn(txn_id, tenant, number, state, base, batch_id, i):
    at = base + timedelta(seconds=i * 7)
    exported_at = at + timedelta(days=1) if state == "exported" else None
    return (
        txn_id,
        tenant.pk,
        number,
        state,
        at,
        at,
        batch_id,
        (i * 7919) % 500_000,
        f"Customer {i % 5000}",
        exported_at,
        at.date().isoformat(),
    )


def _transactions(tplan, tenant, base, batch_ids, batch_states, counts, out):
    exported = {}
    for kind, table in (("invoice", "unlocks_invoice"), ("payment", "unlocks_payment")):
        total = tplan.invoices if kind == "invoice" else tplan.payments
        first = _next_id(table)
        placed = []
        progress = Progress(f"{tplan.slug} {kind}s", total, out)
        rows = _transaction_rows(kind, tplan, tenant, base, batch_ids, batch_states, first, placed)
        counts[f"{kind}s"] = write_rows(table, TRANSACTION_COLUMNS, rows, progress)
        exported[kind] = placed
        exported[f"first_{kind}"] = first
    return exported


def _exports(tplan, tenant, base, txn_ids, batch_ids, counts, out):
    total = len(txn_ids["invoice"]) + len(txn_ids["payment"])
    first = _next_id("unlocks_exportrecord")
    progress = Progress(f"{tplan.slug} export history", total, out)

    def rows():
        n = first
        for kind in ("invoice", "payment"):
            for txn_id, batch_id, at in txn_ids[kind]:
                invoice_id = txn_id if kind == "invoice" else None
                payment_id = txn_id if kind == "payment" else None
                yield (
                    n,
                    tenant.pk,
                    invoice_id,
                    payment_id,
                    batch_id,
                    "QuickBooks Online",
                    f"QB-{n:09d}",
                    at,
                )
                n += 1

    counts["exports"] = write_rows("unlocks_exportrecord", EXPORT_COLUMNS, rows(), progress)


def _requests(tplan, tenant, admin, agent, base, txn_ids, counts, out):
    first_invoice = txn_ids["first_invoice"]
    first_regular = tplan.first_regular_invoice
    regular = tplan.invoices - first_regular + 1
    progress = Progress(f"{tplan.slug} unlock requests", tplan.requests, out)
    targets = []

    def rows():
        for r in range(tplan.requests):
            request_id = uuid.UUID(int=(tenant.pk << 64) + r + 1)
            status = REQUEST_STATUSES[r % len(REQUEST_STATUSES)]
            created = base + timedelta(minutes=5 * r)
            closed = created + timedelta(hours=1) if status != "pending" else None
            done = status == "completed"
            i = first_regular + (r * 7) % max(regular, 1)
            if i > tplan.invoices:
                i = tplan.invoices
            targets.append((request_id, i, first_invoice + i - 1))
            yield (
                request_id,
                tenant.pk,
                status,
                "Bench Caller",
                f"caller{r % 50}@{tplan.slug}.bench.example",
                None,
                False,
                ("phone", "email", "chat", "api")[r % 4],
                "Bypassed by mistake; needs re-export",
                f"ZD-{r + 1}",
                agent.email,
                created,
                created + timedelta(hours=24),
                admin.pk if done else None,
                closed if done else None,
                1 if done else None,
                "",
                closed if done else None,
                closed,
                "",
                "not_locked" if status == "refused" else "",
            )

    counts["requests"] = write_rows("unlocks_unlockrequest", REQUEST_COLUMNS, rows(), progress)
    first = _next_id("unlocks_unlocktarget")
    counts["targets"] = write_rows(
        "unlocks_unlocktarget",
        TARGET_COLUMNS,
        (
            (
                first + k,
                request_id,
                "invoice",
                tplan.invoice_number(i),
                None,
                invoice_id,
                None,
                "bypassed",
                [],
            )
            for k, (request_id, i, invoice_id) in enumerate(targets)
        ),
    )


def audit_rows(tenant_id, count, *, first_id, base, agent_label, prev_hash=""):
    """`count` chained audit entries for a tenant, from seq 1; the last hash via .last_hash."""
    state = {"hash": prev_hash}

    def rows():
        prev = prev_hash
        for seq in range(1, count + 1):
            action, target_type, before, after = AUDIT_ACTIONS[seq % len(AUDIT_ACTIONS)]
            is_request = action.startswith("request") or action == "pin_incorrect"
            request_id = uuid.UUID(int=(tenant_id << 64) + seq % 100_000 + 1)
            values = [
                seq,
                base + timedelta(seconds=seq * 13, microseconds=seq % 1000),
                tenant_id,
                "agent" if is_request else "system",
                agent_label if is_request else "platform",
                None,
                None,
                action,
                target_type,
                f"INV-{seq % 1_000_000:07d}" if target_type else "",
                request_id if is_request else None,
                before,
                after,
                "pin_incorrect" if action == "pin_incorrect" else "",
                1 if action == "request_approved" else None,
                "",
                "10.0.0.9" if is_request else "",
                "bench" if is_request else "",
                "",
                {"channel": "phone", "ticket": f"ZD-{seq}"} if action == "request_opened" else {},
            ]
            digest = entry_hash(values, prev)
            yield (first_id + seq - 1, *values, prev, digest)
            prev = digest
            state["hash"] = digest

    return rows(), state


def _audit(tplan, tenant, agent, base, counts, out):
    progress = Progress(f"{tplan.slug} audit entries", tplan.audit_entries, out)
    rows, last = audit_rows(
        tenant.pk,
        tplan.audit_entries,
        first_id=_next_id("audit_auditentry"),
        base=base,
        agent_label=agent.email,
    )
    counts["audit_entries"] = write_rows("audit_auditentry", AUDIT_COLUMNS, rows, progress)
    AuditChainHead.objects.create(
        tenant=tenant, last_seq=tplan.audit_entries, last_hash=last["hash"]
    )
