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
]

# Measured, not yet applied: what to reach for if a target is missed on a quiet machine.
LEVERS = [
    "verify latency: `audit.services.record_entry` takes six round trips per entry "
    "(get_or_create and then select_for_update of the chain head, a SAVEPOINT and its "
    "RELEASE, the INSERT, the head's UPDATE); an approval writes two or more entries, so "
    "12 of its 24 queries. Locking the head with one `select_for_update()` (creating it "
    "only when missing) and `atomic(savepoint=False)` would save half of those; on a "
    "machine loaded beyond its cores every round trip also waits for a core.",
    "bulk unlock: updating a transaction's state maintains five indexes per row "
    "(`invoice_batch_state_idx`, the `batch` and `tenant` foreign-key indexes, the "
    "unique (tenant, number), the primary key). Both foreign-key indexes are covered "
    "by a composite index that starts with their column: `batch = ForeignKey(..., "
    "db_index=False)` and `tenant = ForeignKey(..., db_index=False)` on Record and "
    "Transaction would drop two of the five (in a migration). Taking `state` out of "
    "every index, with a fillfactor below 100, would make the update HOT; a test on a "
    "copy of the table made it only about a quarter faster, so it is not worth the "
    "index the rules use.",
    "audit changelist at 1,000,000 entries: set `show_full_result_count = False` and "
    "order by the (tenant, seq) index, so the page never counts the whole table.",
    "CSV export: stream `values_list(...).iterator(chunk_size=...)` rows through "
    "`StreamingHttpResponse` and `csv.writer`; never build the file in memory.",
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
    for label, figure, met in targets(results):
        lines.append(f"| {label} | {figure} | {_verdict(met, meta['scale'])} |")

    lines += [
        "",
        "## Throughput and latency over HTTP",
        "",
        "| endpoint | requests/s | ratio to floor | p50 | p99 | errors |",
        "|---|---|---|---|---|---|",
    ]
    for key, label in (
        ("floor", "floor (bench-only: select_for_update, update, insert)"),
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
                f"| record_by_number on {sel['invoices']:,} invoices | p50 {sel['p50_ms']:.2f} ms, "
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
