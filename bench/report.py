"""BENCHMARKS.md and bench/chart.png from one run's results."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

# What each fix changed, written once a fix is in; the report repeats it.
FIXES = [
    (
        "audit_verify (`audit/selectors.py`, `audit/chain.py`)",
        "it read every entry through the ORM and built each hash in Python (a `_plain` "
        "call per field, a new JSON encoder per `json.dumps`): about 11 µs of CPU per "
        "entry in the bench process (≈ 87,000 entries per CPU-second: ORM fetch ≈ 150,000/s "
        "and hashing ≈ 150,000/s), so it could not reach 100,000/s even on an idle core. "
        "On PostgreSQL the database now writes each row's hashed JSON text up to `data` "
        "(one format() call for a row with nothing to escape, to_json, which escapes "
        "strings as Python does, for the others), Python only serialises `data` and takes "
        "one SHA-256 per row (≈ 3 µs, 330,000-400,000 entries per CPU-second), and a "
        "thread fetches the next chunk while this one is hashed, so the database's share "
        "runs on the other core. A row whose prepared hash does not match is checked again "
        "with the plain `entry_hash`, so the fast path can never name a good entry; tests "
        "check it byte for byte on awkward values. On a machine loaded beyond its cores "
        "both sides wait for a core and the wall-clock rate drops with the load.",
    ),
    (
        "bulk unlock (`unlocks/services.py` `_unlock`)",
        "a bypassed batch's transactions were read (SELECT of their numbers) and then "
        "updated: two passes over up to 100,000 rows per type. One `UPDATE ... RETURNING "
        "batch_id, number` per type now does both; the query count stays the same at every "
        "size (the audit entry still lists the numbers, sorted).",
    ),
    (
        "bench hygiene",
        "the bench VACUUM ANALYZEs the tables after generating and after locking again "
        "what an earlier run unlocked, so a measurement never pays for an earlier run's "
        "dead rows (as autovacuum would see to in production).",
    ),
    (
        "audit writes (`audit/services.py` `record_entries`, used by `unlocks.services._unlock`)",
        "`record_entry` took six round trips per entry (get_or_create of the chain head, a "
        "SAVEPOINT, a locking SELECT of the head, the INSERT, the head's UPDATE, the "
        "RELEASE). Now a change's entries take three whatever their number: one locked "
        "read of the head (created only for a tenant's first entry, race-safe), one "
        "multi-row INSERT, one UPDATE of the head, without a savepoint (a failure fails "
        "the change, which must not commit unaudited). Measured on PostgreSQL: approving "
        "one invoice 28 → 19 queries, a batch 31 → 22, opening 19 → 15; the chain, its "
        "hashes and every chain test are unchanged (two tests added: several entries in "
        "order, three queries for 1 or 20 entries).",
    ),
    (
        "audit CSV export (`audit/admin.py` `export_view`)",
        "the stream yielded one piece per row, so gunicorn made one socket write per row: "
        "26,504 rows/s (96 MB) in the first full-scale run. It now yields pieces of 1,000 "
        "rows and fetches 5,000 rows per round trip: 57,000-58,600 rows/s over HTTP "
        "(108-160 MB peak for the worker, most of it Django and the sign-in's Argon2 "
        "arena; it does not grow with the export, which is never held whole).",
    ),
    (
        "bench settings: background work is queued, not done in the request",
        "without REDIS_URL the app sends its emails and webhooks in the request after "
        "commit (CELERY_TASK_ALWAYS_EAGER); deployed, a Celery worker does. The bench "
        "settings now queue them (to an in-memory broker nobody reads; the outbox rows "
        "stay pending), as a request does in production. Opening a request in the bench "
        "process went from 60 ms to 23 ms of wall time; the verify endpoint no longer "
        "renders and prints the receipt in the request.",
    ),
    (
        "opening a request (`unlocks/services.py` `open_request`, `unlocks/api/views.py`)",
        "the audit entry is now written last in the transaction, so the tenant's chain "
        "head (which every change of the tenant locks) is held only for the entry's INSERT, "
        "the head's UPDATE and the commit, not also for the event's queries and email "
        "rendering; who the caller is comes in one membership query, not two "
        "(`accounts.selectors.membership_by_email`); the targets are read once for the "
        "event and the answer, and the API answers with the request as opened instead of "
        "reading it back: 19 → 14 queries with the audit change. CPU per open served in "
        "the bench process went from about 17 ms to 9-10 ms; over HTTP the ratio to the "
        "floor still moved between 20% and 36% from one full-scale run to the next with "
        "the machine's load, short of 50% (see below).",
    ),
    (
        "record lookup API (`unlocks/selectors.py` `record_by_number`, `unlocks/api/views.py`)",
        "the tenant came in its own query before the record's: now the record's query "
        "joins the tenant by slug (4 queries, not 5; a query-count test says so), and an "
        "unknown tenant is told apart from an unknown record only on a miss.",
    ),
    (
        "record lookup API, one query (`unlocks/selectors.py` `record_summary`, "
        "`unlocks/api/serializers.py` `record_out`)",
        "profiled in the bench process, two thirds of a lookup's 3.3-4 ms of CPU was the "
        "ORM compiling and instantiating its four queries (API key, record, exports, "
        "requests) and a fifth of the rest DRF's serializers. The API now reads with "
        "`record_summary`: on PostgreSQL one query brings the record's state, its batch's "
        "number, its exports (as parallel array subqueries, oldest first) and its pending "
        "request ids (newest first), only those columns, as plain values; its SQL is "
        "compiled by the ORM once per record type and process and run with the slug and "
        "number as parameters; `record_out` turns the values into RecordOut's answer (the "
        "schema is unchanged: `make schema` leaves openapi.yaml as it was). On SQLite the "
        "exports and pending ids come in a query each. Queries per found record: 4 → 2 on "
        "PostgreSQL (a test says so; 4 on SQLite); CPU per lookup in the bench process "
        "3.3-4.9 ms → 1.1-2.4 ms; over HTTP 153 req/s (46% of the floor) in the last "
        "full-scale run before → 391, 766 and 677 req/s in the three full-scale runs "
        "since (162%, 223% and 139% of the floor through DRF, which itself moved from 241 "
        "to 488 req/s with the machine's load). The admin lookup page still uses "
        "`record_by_number`, which it needs whole (the requests, not only their ids).",
    ),
    (
        "opening a request, phase C (`unlocks/selectors.py` `hold_targets`, "
        "`unlocks/api/serializers.py` `request_out`)",
        "the targets just inserted were read back (one query) for the event and the "
        "answer: bulk_create returns them with their ids, so the request now holds them "
        "as a prefetch would (15 queries, not 16, with the API key; a test says so). The "
        "answer to opening and approving is built by `request_out`, field for field "
        "UnlockRequestOut's (a test compares the two on pending, completed and refused "
        "requests; the schema and the list keep the serializer): the serializer was "
        "about 6% of an open's CPU in the profile, `request_out` about 1%. The effect on "
        "an open's CPU in the bench process is within the machine's noise (8.6-11.8 ms "
        "against 9.2-12.1 ms before, interleaved runs).",
    ),
    (
        "opening a request, phase D (`config/compiled.py`, used by `accounts/selectors.py`, "
        "`unlocks/selectors.py`, `notifications/services.py`, `audit/services.py`)",
        "profiled on this session's data, half of an open's Python was Django compiling "
        "querysets whose shape never changes. The fixed-shape reads of every open (the "
        "tenant by slug, the caller's membership with its user, the tenant's admins, "
        "the webhook endpoints, the records by number, the audit chain head's lock and "
        "its update) now have their SQL compiled by the ORM once per process and "
        "database, and run with each call's values (`CompiledRead`, `CompiledUpdate`: "
        "the ORM still writes the SQL from the models; tests compare their answers "
        "with the ORM's, converters included). A transaction's export history now comes "
        "in its own row's query (an EXISTS), the tenant comes in the records' query (by "
        "slug; on its own only when no record is found), and the caller's membership and "
        "the tenant's admins in one query handed to the event's emails: 12 statements per "
        "open with BEGIN and COMMIT, not 15 (a test counts them). In the bench process, "
        "interleaved with the code before: Python CPU per open 8.1-12 ms → 4.7-5.3 ms, "
        "the PostgreSQL backend's 2.5-3.4 ms → 2.1-2.4 ms (most of it the four INSERTs "
        "and their indexes); over HTTP 132-146 req/s → 185-245 req/s. "
        "Tried and dropped: psycopg 3 with server-side binding, whose prepared "
        "statements would spare PostgreSQL the planning: its Python side cost more "
        "than it saved (open 7.5 ms against 5.6 ms in the same process).",
    ),
    (
        "verify (`unlocks/services.py` `_verify_locked`, `unlocks/api/views.py`)",
        "the targets are read once for the rules, the receipt and the answer, and the "
        "API answers with the request as approved instead of reading it back (three "
        "queries): the verify endpoint takes 16 queries.",
    ),
    (
        "the floor through the API's DRF set-up (`bench/floor.py`, phase C)",
        "not a fix of the app but of the base of the ratios, as the issue defines the "
        "floor (what Django, DRF and PostgreSQL cost here): the floor now authenticates "
        "with the bench's API key and passes the API's permission and throttle. Its "
        "figures before and after are in the note under the HTTP table; the bare floor "
        "is still measured beside it.",
    ),
    (
        "receipts (`unlocks/selectors.py` `receipt_for`, the receipt templates)",
        "the email and page listed a batch's transactions with `join` in the template, "
        "which escapes number by number: 0.46 s of a 2.1 s approval of 100,000 "
        "transactions. The numbers are joined once and escaped once (the same text; a "
        "test checks the HTML escaping).",
    ),
    (
        "opening a request, phase E (`config/compiled.py`, `notifications/emails.py`, "
        "`notifications/services.py`, migrations `unlocks` 0005 and `audit` 0005)",
        "this session's machine ran the same code about twice as slowly as the last "
        "session's (CPU per floor request 2.3-6.1 ms against 1.8 ms), and its first two "
        "runs read the open at 46-50% of the floor. Three changes: (1) the compiled reads "
        "and updates are prepared statements on PostgreSQL, planned once per connection "
        "(planning the records' read took PostgreSQL 0.3-0.6 ms, longer than running it; "
        "the caller and admins' read 0.14-0.28 ms); (2) an email's text is written by the "
        "worker when it is first sent and kept on the row, not rendered into the outbox in "
        "the request (the change still writes who gets it, in its transaction); (3) three "
        "foreign-key indexes that a composite index already leads with are gone (the "
        "requests' tenant, the targets' request, the audit entries' tenant). In the bench "
        "process, 300 opens a run, three runs interleaved with the code before: Python CPU "
        "per open 12.9-13.1 ms → 10.0-10.5 ms, its PostgreSQL backend's 4.4-4.6 ms → "
        "2.8-3.1 ms; the lookup's PostgreSQL CPU 1.8-2.1 ms → 0.4-0.6 ms. Over HTTP, "
        "interleaved on a machine other work was loading: 45-48% of the floor before, "
        "48-60% after. `DATABASE_PREPARED_STATEMENTS=false` turns the prepared statements "
        "off behind a pooler that shares server connections between transactions.",
    ),
    (
        "audit CSV export on PostgreSQL (`audit/admin.py`, `audit/selectors.py` `prefetched_rows`)",
        "the export read every column through the ORM and wrote it with csv.writer: about "
        "22 µs of Python per row (csv quoting 9 µs, UUID and date conversions 5 µs, JSON "
        "decoding and encoding 6 µs), 27,828 and 36,016 rows/s over HTTP in this session's "
        "first two runs, short of 50,000. The database now writes each row's CSV text but "
        "for `data` (quoted as csv.writer quotes, formulas defused, dates as str() gives "
        "them), from the changelist's own filtered query; Python re-encodes `data` with one "
        "encoder and joins the pieces, reading a chunk ahead in a thread (the helper the "
        "chain check already used, now shared). The bytes are the same: tests compare the "
        "two paths on awkward entries and filters, and the whole bench tenant's export has "
        "the same SHA-256 either way. In-process: 33,100 → 109,700 rows/s; over HTTP "
        "73,558 rows/s in the next full run.",
    ),
    (
        "verify, phase E (`unlocks/selectors.py` `locked_request`, `locked_tenant`, "
        "`hold_targets`; `unlocks/consent.py`)",
        "the approval's fixed-shape reads (the request with its tenant, locked; the "
        "tenant, locked; the targets; the consent in force) are compiled and prepared "
        "once, the approved request saves only the fields approving changes, and the "
        "receipt email is no longer rendered in the request (see phase E of the open). "
        "An approval without its PIN check took 15.1 ms of wall time in the bench process "
        "before, 11.4 ms after; the bulk unlock of 100,000 transactions 2.25-2.64 s → "
        "1.97 s in this session's runs.",
    ),
    (
        "audit_verify, phase F (`audit/selectors.py` `_verify_prepared`, `audit/chain.py` "
        "`verify_stretch`, `join_stretches`)",
        "one pass kept one PostgreSQL backend writing the rows' JSON text (7.5 µs per "
        "entry) beside one Python thread hashing them (5.8 µs): the database's side was "
        "the bound. On PostgreSQL a chain of at least 2 × 100,000 entries is now cut into "
        "AUDIT_VERIFY_CONNECTIONS (2) stretches of seq, each checked at once on a "
        "connection of its own; `join_stretches` ties their ends (the first row's seq and "
        "link against the stretch before) and answers as one pass in order does, which "
        "tests check at every stretch edge for altered, removed, cut-off and re-hashed "
        "entries. Inside a transaction it stays one pass (other connections would not see "
        "its writes). The same 1,003,797 entries, interleaved in one process: one pass "
        "89,727 and 95,275 entries/s, two stretches 137,282 and 145,132.",
    ),
    (
        "every change, phase F (`audit/services.py` `_insert_moving_head`, "
        "`unlocks/selectors.py` `locked_request`)",
        "on PostgreSQL an audit write inserts its entries and moves the chain's head in "
        "one statement (a data-modifying WITH, which runs once and fails with the "
        "INSERT), and an approval locks the request and its tenant in one SELECT ... FOR "
        "UPDATE: an open is 11 statements (12 before), an approval 13 (15 before), a bulk "
        "unlock 17 at every size (19 before).",
    ),
    (
        "messages handed over after the response, phase F (`notifications/services.py` "
        "`enqueue_soon`)",
        "a web request's emails and webhook calls are handed to Celery once its response "
        "has been sent (Django's request_finished), not at its commit: the caller no "
        "longer waits for the broker (about 1.5 ms per message in the bench process, up "
        "to a second of publish retries with the broker down); outside a web request they "
        "go at once, and the sweep still picks up any a process dies holding. A test "
        "checks that an API call's answer is built before its messages are handed over.",
    ),
]

# Measured, not yet applied: what to reach for if a target is missed on a quiet machine.
LEVERS = [
    "open against the floor: after phase F an open is 9 statements and BEGIN/COMMIT, "
    "most of them prepared or one-row INSERTs, and renders nothing. What it still "
    "spends beyond the floor, by share of its samples in a py-spy profile of the bench "
    "process: its INSERTs' Python (request, targets, outbox row, audit entries; about "
    "10%), Celery's enqueue (7%; one publish per message, needed for mail to leave "
    "while the customer is on the phone; since phase F after the response is sent, so "
    "the caller no longer waits for it, but the worker still spends it), the audit "
    "chain's hash and head "
    "(5%), the input serializer (5%). Left to take: INSERTs compiled once as the reads "
    "are. Work both pay (the API key's read, say) lowers the ratio when it is made "
    "cheaper, since the floor gains more from it. The floor itself moves with the "
    "machine (176-610 req/s in full runs on the machines of 2026-11-25), so the ratio "
    "moves by several points from one run to the next.",
    "verify against the bare PIN-hash check: the PIN check is Argon2 with Django's "
    "parameters (100 MB, two passes, eight lanes: about 300 ms of CPU over 150-200 ms "
    "of wall time, both cores), and the gap moves with the machine's speed: 31-34 ms on "
    "the slow machine of 2026-11-25, 16-23 ms on the faster ones before it. Timed inside "
    "a gunicorn worker on the machine of 2026-12-01 (40 approvals, medians): gunicorn to "
    "Django 0.1 ms, the middleware and DRF up to the view 2.5 ms, the input serializer "
    "0.7 ms, the service before the PIN check 1.5 ms (lock the request and its tenant, "
    "the admin's membership), the PIN check 160 ms, the service after it 9.2 ms (the "
    "consent, the targets and the records, locked; unlock, audit, outbox row, commit), "
    "the view's answer and the response middleware 1.2 ms. The work after the PIN check "
    "takes 7.1 ms in the bench process with the check left out, 9.5-10.5 ms after a real "
    "one: the check sweeps 100 MB through the caches, so what follows it starts cold "
    "(the consent's read, the first, 0.75 ms against 0.17 ms). Each verify figure is the "
    "median of the whole pool approved BENCH_VERIFY_ROUNDS (2) times, 80 approvals, not "
    "20: on that machine three runs of 40 approvals each read +12.7, +22.1 and +22.2 "
    "ms. Measured and not applied: (1) "
    "running the PIN check in a thread while the approval does all its work beside it "
    "(reads and writes, undone by a savepoint if the PIN is wrong) brought the gap to "
    "23.6-28.6 ms against 32.5-33.6 ms in the same minutes on the slow machine: Argon2 "
    "leaves about a quarter of the two cores idle, so 20 ms of other CPU beside a check "
    "adds about 9 ms to it, not 20; and it writes the unlock before the PIN is known, "
    "which an approval should not do; (2) keeping Argon2's 100 MB in the process between "
    "checks (glibc's mmap threshold) makes every check 25-35% faster (no page faults) "
    "but narrowed the gap by only 4 ms and costs 100 MB of memory per worker; (3) "
    "gc.freeze() after start-up, so that the cyclic collector no longer walks the "
    "objects Django loads: within the noise (through the test client, the PIN check left "
    "out, 120 of each interleaved in one process: verify 11.3 ms p50 with it, 10.9 ms "
    "without; open 9.7 ms with it, 9.6 ms without).",
    "audit_verify under a slow machine: with two stretches both cores are busy, "
    "PostgreSQL writing the rows' JSON text (about 7.5 µs per entry) and Python hashing "
    "them (about 5.8 µs), so the rate is about two cores over 13 µs: 106,000-145,000 "
    "entries/s on this machine, less while other work holds a core. Tried and not "
    "applied: having PostgreSQL hash the rows whose `data` is empty itself (sha256(), "
    "80% of the bench's entries) moves work onto the side that is already the bound: "
    "76,139-80,506 entries/s in one pass (89,727-95,275 without), 125,986-133,771 in two "
    "stretches (137,282-145,132 without); three or four stretches on two cores gave "
    "nothing more (114,151-129,653); JIT off and a cheaper timestamp format than "
    "to_char were within the noise.",
    "lookup p99 from 10,000 to 1,000,000 invoices: the lookup is one index lookup per "
    "table on either tenant (record_summary's p50 and p99 in the bench process are "
    "the same for both sizes, see the table above); over HTTP a 10-second wrk run's "
    "p99 is its slowest 1% and moves with what else the machine runs in those ten "
    "seconds, so on a loaded machine this verdict can flip from one run to the next.",
    "bulk unlock: most of the 100,000-transaction approval is PostgreSQL updating the "
    "rows and their indexes (about 1.2 s of 2.1 s in a profile); the foreign-key indexes "
    "that composite indexes cover are already gone (migration 0004).",
]


def _fmt(value, unit="", digits=1):
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}{unit}"
    return f"{value:,}{unit}"


def _skipped(figures):
    return figures is None or "skipped" in figures


def targets(results):
    """(target, figure, met) for every target of the issue; met is None when not measured."""
    floor = results["http"].get("floor") or {}
    rows = []

    def ratio_row(label, key, minimum):
        figures = results["http"].get(key)
        if _skipped(figures) or _skipped(floor):
            rows.append((label, _why(figures), None))
            return
        ratio = figures["rps"] / floor["rps"]
        rows.append((label, f"{ratio:.0%} of the floor", ratio >= minimum))

    ratio_row("open ≥ 50% of the floor's throughput", "open", 0.5)
    ratio_row("lookup ≥ 100% of the floor's throughput", "lookup_big", 1.0)

    big, small = results["http"].get("lookup_big"), results["http"].get("lookup_small")
    if _skipped(big) or _skipped(small):
        rows.append(("lookup p99 grows ≤ 20% from 10,000 to 1,000,000 invoices", _why(big), None))
    else:
        growth = big["p99_ms"] / small["p99_ms"] - 1
        rows.append(
            (
                "lookup p99 grows ≤ 20% from 10,000 to 1,000,000 invoices",
                f"{small['p99_ms']:.1f} → {big['p99_ms']:.1f} ms ({growth:+.0%})",
                growth <= 0.20,
            )
        )

    verify = results["http"].get("verify")
    source = "endpoint"
    if _skipped(verify):
        verify, source = results.get("verify_service"), "service (endpoint not available yet)"
    if _skipped(verify):
        rows.append(("verify p50 ≤ bare PIN-hash check + 25 ms", _why(verify), None))
    else:
        extra = verify["verify_p50_ms"] - verify["pin_p50_ms"]
        rows.append(
            (
                "verify p50 ≤ bare PIN-hash check + 25 ms",
                f"{verify['verify_p50_ms']:.1f} ms vs {verify['pin_p50_ms']:.1f} ms "
                f"(+{extra:.1f} ms, {source})",
                extra <= 25,
            )
        )

    bulk = results.get("bulk_unlock") or []
    counts = {b["queries"] for b in bulk}
    rows.append(
        (
            "bulk unlock: the same number of queries at every size",
            ", ".join(f"{b['size']:,}: {b['queries']}" for b in bulk),
            len(counts) == 1 if bulk else None,
        )
    )
    if bulk:
        largest = bulk[-1]
        rows.append(
            (
                "bulk unlock of 100,000 transactions < 3 s",
                f"{largest['size']:,} in {largest['seconds']:.2f} s",
                largest["seconds"] < 3 if largest["size"] >= 100_000 else None,
            )
        )

    audit = results.get("audit_verify") or {}
    rows.append(
        (
            "audit_verify ≥ 100,000 entries/s",
            f"{audit.get('per_second', 0):,.0f}/s over {audit.get('entries', 0):,} entries",
            audit.get("per_second", 0) >= 100_000 if audit else None,
        )
    )
    export = results["http"].get("csv_export")
    if _skipped(export):
        rows.append(("CSV export ≥ 50,000 rows/s, peak memory < 200 MB", _why(export), None))
    else:
        rows.append(
            (
                "CSV export ≥ 50,000 rows/s, peak memory < 200 MB",
                f"{export['per_second']:,.0f} rows/s, {_fmt(export['peak_memory_mb'], ' MB')}",
                export["per_second"] >= 50_000 and (export["peak_memory_mb"] or 0) < 200,
            )
        )
    changelist = results["http"].get("changelist")
    if _skipped(changelist):
        rows.append(("audit changelist < 300 ms", _why(changelist), None))
    else:
        rows.append(
            (
                "audit changelist < 300 ms",
                f"{changelist['p50_ms']:.0f} ms",
                changelist["p50_ms"] < 300,
            )
        )
    return rows


def _why(figures):
    if figures is None:
        return "not measured"
    return figures.get("skipped", "not measured")


def _verdict(met, scale):
    if met is None:
        return "not measured"
    if scale < 1:
        return "met (small scale)" if met else "MISSED (small scale)"
    return "met" if met else "MISSED"


def _rounds_note(results):
    """Say how each row was chosen, with every round's throughput."""
    measured = {
        key: figures["rounds_rps"]
        for key, figures in results["http"].items()
        if isinstance(figures, dict) and figures.get("rounds_rps")
    }
    if not measured:
        return []
    rounds = max(len(v) for v in measured.values())
    every = "; ".join(
        f"{key} " + ", ".join(f"{rps:,.0f}" for rps in values) for key, values in measured.items()
    )
    return [
        f"Each endpoint was driven in {rounds} rounds, the rounds one after another through "
        "every endpoint, so that a busy stretch of the machine falls on all of them alike; "
        f"each row is the endpoint's best round. Requests/s of every round: {every}."
    ]


def _floor_note(results):
    """Say plainly what the floor includes, with this run's figures for both floors."""
    floor, bare = results["http"].get("floor"), results["http"].get("floor_bare")
    cpu = results.get("cpu_per_request") or {}
    text = (
        "**The floor goes through the API's own DRF set-up**: the API-key authentication "
        "(called with the bench's key: one SHA-256 and one query), the permission and the "
        "throttle of REST_FRAMEWORK, as every API endpoint does, because that is what DRF "
        "costs here. Until phase C of issue 8 it had none of them (no authentication "
        "classes, AllowAny, no throttle): the last full-scale run with that bare floor as "
        "the base (2026-11-25 08:37 UTC) measured it at 331 req/s, p50 22.3 ms, and 1.23 ms "
        "of CPU per request in the bench process."
    )
    if not _skipped(floor) and not _skipped(bare) and bare["rps"]:
        text += (
            f" In this run: the floor {floor['rps']:,.0f} req/s (p50 {floor['p50_ms']:.1f} "
            f"ms), the bare floor, still served for reference, {bare['rps']:,.0f} req/s "
            f"(p50 {bare['p50_ms']:.1f} ms): the floor is {floor['rps'] / bare['rps']:.0%} "
            "of the bare floor"
        )
        if "floor" in cpu and "bare floor" in cpu:
            text += f"; CPU per request {cpu['floor']:.2f} ms against {cpu['bare floor']:.2f} ms"
        text += "."
    return [text]


def markdown(results):
    meta = results["meta"]
    floor = results["http"].get("floor") or {}
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (see `bench/`). Every figure comes from one run on this "
        "machine, so the ratios compare like with like; absolute numbers move with the "
        "machine's load.",
        "",
        f"- Date: {meta['date']}",
        f"- Machine: {meta['cpus']} cores, memory {meta['memory']}; {meta['python']}; "
        f"{meta['postgres']}",
        f"- Scale: {meta['scale']} (BENCH_SCALE); load: wrk, {meta['connections']} connections "
        f"for {meta['duration']} s per endpoint, gunicorn with {meta['workers']} sync workers",
        f"- Data: {meta['data']}",
        f"- Run took {meta['seconds']:.0f} s; load average {meta['load_start']} at the start, "
        f"{meta['load_end']} at the end (on {meta['cpus']} cores: above that, every figure "
        "waits for a core)",
        "",
    ]
    if meta["scale"] < 1:
        lines += [
            f"**This run is at scale {meta['scale']}, not the full data set: its verdicts "
            "are indicative only. `make bench` with the default BENCH_SCALE=1 is the one "
            "that counts.**",
            "",
        ]
    lines += ["## Targets", "", "| target | figure | verdict |", "|---|---|---|"]
    verdicts = targets(results)
    for label, figure, met in verdicts:
        lines.append(f"| {label} | {figure} | {_verdict(met, meta['scale'])} |")
    if any(met is False for _, _, met in verdicts):
        lines += [
            "",
            'A missed target is explained, with what is left to do, under "Levers measured '
            'but not applied" below.',
        ]

    lines += [
        "",
        "## Throughput and latency over HTTP",
        "",
        "| endpoint | requests/s | ratio to floor | p50 | p99 | errors |",
        "|---|---|---|---|---|---|",
    ]
    for key, label in (
        ("floor", "floor (bench-only: select_for_update, update, insert; the API's DRF set-up)"),
        (
            "floor_bare",
            "bare floor, for reference: the same without authentication, permission, throttle",
        ),
        ("open", "open: POST /api/v1/unlock-requests/"),
        ("lookup_big", f"lookup, {meta['big_invoices']:,}-invoice tenant"),
        ("lookup_small", f"lookup, {meta['small_invoices']:,}-invoice tenant"),
        ("admin_lookup", "admin lookup page"),
    ):
        figures = results["http"].get(key)
        if _skipped(figures):
            lines.append(f"| {label} | {_why(figures)} | | | | |")
            continue
        ratio = figures["rps"] / floor["rps"] if not _skipped(floor) and floor["rps"] else None
        lines.append(
            f"| {label} | {figures['rps']:,.0f} | {_fmt(ratio, '', 2)} | "
            f"{figures['p50_ms']:.1f} ms | {figures['p99_ms']:.1f} ms | {figures['errors']} |"
        )

    lines += ["", *_rounds_note(results), "", *_floor_note(results)]

    lines += ["", "## In the bench process", "", "| measurement | figure |", "|---|---|"]
    for name, verify in (
        ("verify_and_unlock (service)", results.get("verify_service")),
        ("verify endpoint (HTTP)", results["http"].get("verify")),
    ):
        if _skipped(verify):
            lines.append(f"| {name} p50 | {_why(verify)} |")
        else:
            lines.append(
                f"| {name} p50 vs bare `pin_matches` p50 | {verify['verify_p50_ms']:.1f} ms vs "
                f"{verify['pin_p50_ms']:.1f} ms ({verify['samples']} samples) |"
            )
    rows = (
        (
            "cpu_per_request",
            "CPU per request served in the bench process (test client; the database's "
            "share not counted)",
        ),
        (
            "db_cpu_per_request",
            "CPU per request of its PostgreSQL backend (the same requests; clock ticks of "
            "10 ms, averaged)",
        ),
    )
    for key, label in rows:
        if results.get(key):
            figures = ", ".join(f"{name} {ms:.2f} ms" for name, ms in results[key].items())
            lines.append(f"| {label} | {figures} |")
    for b in results.get("bulk_unlock") or []:
        lines.append(
            f"| bulk unlock of a bypassed batch of {b['size']:,} | {b['seconds']:.3f} s, "
            f"{b['queries']} queries |"
        )
    audit = results.get("audit_verify") or {}
    if audit:
        lines.append(
            f"| audit_verify (verify_chain) | {audit['entries']:,} entries in "
            f"{audit['seconds']:.2f} s = {audit['per_second']:,.0f}/s, ok={audit['ok']}; CPU "
            f"per entry: bench process {_fmt(audit.get('client_cpu_us'), ' µs', 2)}, "
            f"PostgreSQL {_fmt(audit.get('server_cpu_us'), ' µs', 2)} |"
        )
    for key in ("lookup_selector_small", "lookup_selector_big"):
        sel = results.get(key)
        if sel:
            lines.append(
                f"| record_summary (the lookup API's selector) on {sel['invoices']:,} invoices | "
                f"p50 {sel['p50_ms']:.2f} ms, "
                f"p99 {sel['p99_ms']:.2f} ms ({sel['samples']} samples) |"
            )
    for key, label in (("changelist", "audit changelist"), ("csv_export", "audit CSV export")):
        figures = results["http"].get(key)
        if _skipped(figures):
            lines.append(f"| {label} | {_why(figures)} |")
        elif key == "changelist":
            lines.append(
                f"| {label} | {figures['p50_ms']:.0f} ms (median of {figures['samples']}) |"
            )
        else:
            lines.append(
                f"| {label} | {figures['rows']:,} rows"
                f"{'' if figures.get('complete', True) else ' (stopped there: too slow)'} "
                f"in {figures['seconds']:.1f} s = "
                f"{figures['per_second']:,.0f} rows/s, peak worker memory "
                f"{_fmt(figures['peak_memory_mb'], ' MB')} |"
            )

    lines += ["", "## Fixes and what each changed", ""]
    for name, text in FIXES:
        lines.append(f"- **{name}**: {text}")
    lines += ["", "## Levers measured but not applied", ""]
    lines += [f"- {text}" for text in LEVERS]
    lines += ["", "![throughput and cost against size](bench/chart.png)", ""]
    return "\n".join(lines)


def chart(results, path):
    http = results["http"]
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(15, 4.5))

    names, rates = [], []
    for key, label in (
        ("floor", "floor"),
        ("open", "open"),
        ("lookup_big", "lookup big"),
        ("lookup_small", "lookup small"),
        ("admin_lookup", "admin lookup"),
    ):
        figures = http.get(key)
        names.append(label)
        rates.append(0 if _skipped(figures) else figures["rps"])
    colors = ["#777777"] + ["#1f77b4"] * (len(names) - 1)
    left.bar(names, rates, color=colors)
    if rates[0]:
        left.axhline(rates[0], color="#777777", linestyle="--", label="floor")
        left.legend()
    left.set_title("Throughput per endpoint (requests/s; 0 = not available)")
    left.tick_params(axis="x", rotation=20)

    bulk = results.get("bulk_unlock") or []
    if bulk:
        sizes = [b["size"] for b in bulk]
        middle.plot(sizes, [b["seconds"] for b in bulk], marker="o", label="wall time (s)")
        middle.set_xscale("log")
        middle.set_xlabel("transactions in the batch")
        middle.set_ylabel("seconds")
        middle.set_ylim(bottom=0)
        twin = middle.twinx()
        twin.plot(sizes, [b["queries"] for b in bulk], marker="s", color="#d62728", label="queries")
        twin.set_ylabel("queries")
        twin.set_ylim(bottom=0)
        middle.legend(loc="lower left")
        twin.legend(loc="lower right")
    middle.set_title("Bulk unlock: cost against batch size")

    points = []
    for sel_key, http_key in (
        ("lookup_selector_small", "lookup_small"),
        ("lookup_selector_big", "lookup_big"),
    ):
        sel = results.get(sel_key)
        if sel:
            figures = http.get(http_key)
            points.append(
                (sel["invoices"], sel["p99_ms"], None if _skipped(figures) else figures["p99_ms"])
            )
    if points:
        xs = [x for x, _, _ in points]
        right.plot(xs, [s for _, s, _ in points], marker="o", label="selector p99 (ms)")
        if all(h is not None for _, _, h in points):
            right.plot(xs, [h for _, _, h in points], marker="s", label="HTTP p99 (ms)")
        right.set_xscale("log")
        right.set_xlabel("invoices in the tenant")
        right.set_ylim(bottom=0)
        right.legend()
    right.set_title("Lookup: p99 against tenant size")

    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
