"""The generated part of BENCHMARKS.md and bench/chart.png, from one run's results.

Tables only: each budget with its figure and whether it is met, the figures behind
them, the ratios to the floor as information. The text above the generated part of
BENCHMARKS.md is written by hand; `make bench` rewrites only what lies between the
markers.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

START = "<!-- results -->"
END = "<!-- /results -->"

# The budgets, for the 1,000,000-invoice tenant, 8 connections, 4 gunicorn workers.
OPEN_P99_MS = 150
LOOKUP_P99_MS = 60
ADMIN_LOOKUP_P99_MS = 200
GROWTH = 0.20  # p99 from the small tenant to the big one
VERIFY_OVER_PIN_MS = 30
# An approval of a bypassed batch: (transactions, seconds at most), and its peak memory.
BULK_BUDGETS = ((10_000, 1.5), (100_000, 10.0))
BULK_PEAK_MB = 1024
AUDIT_ENTRIES_PER_S = 60_000
EXPORT_ROWS_PER_S = 40_000
EXPORT_PEAK_MB = 200
CHANGELIST_MS = 300
CHECKPOINT_VERIFY_S = 1.0  # verifying from a checkpoint with 1,000 new entries
BUNDLE_S = 5.0  # the evidence bundle of a 10,000-transaction approval
BUNDLE_PEAK_MB = 100

# (key in results["http"], label) of every wrk load, in the tables' order.
LOADS = (
    ("floor", "floor: POST /bench/floor/"),
    ("open", "open: POST /api/v1/unlock-requests/"),
    ("lookup_big", "lookup (API), big tenant"),
    ("lookup_small", "lookup (API), small tenant"),
    ("admin_lookup_big", "admin lookup page, big tenant"),
    ("admin_lookup_small", "admin lookup page, small tenant"),
)


def _fmt(value, unit="", digits=1):
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}{unit}"
    return f"{value:,}{unit}"


def _skipped(figures):
    return not figures or "skipped" in figures


def _why(figures):
    return "not measured" if not figures else figures.get("skipped", "not measured")


def targets(results):
    """(budget, figure, met) for every budget; met is None when it was not measured."""
    http = results["http"]
    meta = results["meta"]
    sizes = f"from {meta['small_invoices']:,} to {meta['big_invoices']:,} invoices"
    rows = []

    def p99_row(label, key, limit):
        figures = http.get(key)
        if _skipped(figures):
            rows.append((label, _why(figures), None))
        else:
            rows.append((label, f"{figures['p99_ms']:.1f} ms", figures["p99_ms"] <= limit))

    def growth_row(label, big_key, small_key):
        big, small = http.get(big_key), http.get(small_key)
        if _skipped(big) or _skipped(small):
            rows.append((label, _why(big if _skipped(big) else small), None))
            return
        growth = big["p99_ms"] / small["p99_ms"] - 1
        figure = f"{small['p99_ms']:.1f} → {big['p99_ms']:.1f} ms ({growth:+.0%})"
        rows.append((label, figure, growth <= GROWTH))

    p99_row(f"open p99 ≤ {OPEN_P99_MS} ms", "open", OPEN_P99_MS)
    p99_row(f"lookup (API) p99 ≤ {LOOKUP_P99_MS} ms", "lookup_big", LOOKUP_P99_MS)
    growth_row(f"lookup (API) p99 grows ≤ {GROWTH:.0%} {sizes}", "lookup_big", "lookup_small")
    p99_row(
        f"admin lookup page p99 ≤ {ADMIN_LOOKUP_P99_MS} ms", "admin_lookup_big", ADMIN_LOOKUP_P99_MS
    )
    growth_row(
        f"admin lookup page p99 grows ≤ {GROWTH:.0%} {sizes}",
        "admin_lookup_big",
        "admin_lookup_small",
    )

    label = f"verify p50 ≤ bare PIN-hash check + {VERIFY_OVER_PIN_MS} ms"
    verify = http.get("verify")
    if _skipped(verify):
        rows.append((label, _why(verify), None))
    else:
        extra = verify["verify_p50_ms"] - verify["pin_p50_ms"]
        figure = (
            f"{verify['verify_p50_ms']:.1f} ms vs {verify['pin_p50_ms']:.1f} ms "
            f"(+{extra:.1f} ms, median of {verify['samples']} approvals)"
        )
        rows.append((label, figure, extra <= VERIFY_OVER_PIN_MS))

    rows += _bulk_rows(results.get("bulk_unlock") or [])
    rows += _checkpoint_rows(results.get("checkpoints"))

    label = f"audit verify ≥ {AUDIT_ENTRIES_PER_S:,} entries/s in one pass"
    audit = results.get("audit_verify")
    if audit and audit.get("per_second"):
        figure = f"{audit['per_second']:,.0f}/s over {audit['entries']:,} entries"
        rows.append((label, figure, audit["ok"] and audit["per_second"] >= AUDIT_ENTRIES_PER_S))
    else:
        rows.append((label, "not measured", None))

    exports = results.get("csv_export") or {}
    big, small = exports.get("big"), exports.get("small")
    label = f"CSV export ≥ {EXPORT_ROWS_PER_S:,} rows/s"
    if _skipped(big):
        rows.append((label, _why(big), None))
    else:
        figure = f"{big['per_second']:,.0f} rows/s over {big['rows']:,} rows"
        rows.append((label, figure, big["complete"] and big["per_second"] >= EXPORT_ROWS_PER_S))
    label = f"CSV export peak memory < {EXPORT_PEAK_MB} MB whatever the size"
    measured = [e for e in (small, big) if not _skipped(e) and e["peak_memory_mb"] is not None]
    if not measured:
        rows.append((label, _why(big), None))
    else:
        figure = ", ".join(f"{e['peak_memory_mb']:.0f} MB at {e['rows']:,} rows" for e in measured)
        rows.append((label, figure, all(e["peak_memory_mb"] < EXPORT_PEAK_MB for e in measured)))

    label = f"audit changelist < {CHANGELIST_MS} ms"
    changelist = http.get("changelist")
    if _skipped(changelist):
        rows.append((label, _why(changelist), None))
    else:
        figure = (
            f"{changelist['p50_ms']:.0f} ms (median of {changelist['samples']} loads, "
            f"slowest {changelist['max_ms']:.0f} ms)"
        )
        rows.append((label, figure, changelist["p50_ms"] < CHANGELIST_MS))
    return rows


def _bulk_rows(bulk):
    """The bulk approval's budgets: its time at each budgeted size, its peak memory, and
    queries that grow with its batched audit inserts only."""
    rows = []
    by_size = {b["size"]: b for b in bulk}
    for size, limit in BULK_BUDGETS:
        label = f"bulk unlock of {size:,} transactions ≤ {limit:g} s"
        measured = by_size.get(size)
        if measured is None:
            largest = f"largest measured: {bulk[-1]['size']:,} in {bulk[-1]['seconds']:.2f} s"
            rows.append((label, largest if bulk else "not measured", None))
        else:
            figure = f"{size:,} in {measured['seconds']:.2f} s"
            rows.append((label, figure, measured["seconds"] <= limit))
    label = f"bulk unlock peak memory ≤ {BULK_PEAK_MB:,} MB"
    peaks = [b for b in bulk if b.get("peak_memory_mb") is not None]
    if peaks:
        figure = ", ".join(f"{b['peak_memory_mb']:.0f} MB at {b['size']:,}" for b in peaks)
        rows.append((label, figure, all(b["peak_memory_mb"] <= BULK_PEAK_MB for b in peaks)))
    else:
        rows.append((label, "not measured", None))
    rows.append(
        (
            "bulk unlock: the same queries at every size but its audit inserts",
            ", ".join(
                f"{b['size']:,}: {b['queries'] - b['inserts']} + {b['inserts']} inserts"
                for b in bulk
            )
            or "not measured",
            len({b["queries"] - b["inserts"] for b in bulk}) == 1 if bulk else None,
        )
    )
    return rows


def _checkpoint_rows(figures):
    """Verifying from a checkpoint, and the evidence bundle of a 10,000-transaction
    approval (signing a whole chain has a figure and no budget: `_checkpoint_lines`)."""
    if not figures:
        return [("checkpoints and evidence bundle", "not measured", None)]
    rows = [
        (
            f"verify from a checkpoint with 1,000 new entries < {CHECKPOINT_VERIFY_S:g} s",
            f"{figures['verify_seconds'] * 1000:.0f} ms, {figures['verify_new_entries']:,} "
            "entries read",
            figures["verify_seconds"] < CHECKPOINT_VERIFY_S,
        ),
    ]
    if "bundle_seconds" not in figures:
        rows.append(("evidence bundle of a 10,000-transaction approval", "not measured", None))
        return rows
    peak = figures["bundle_peak_memory_mb"]
    rows.append(
        (
            f"evidence bundle of a {figures['bundle_transactions']:,}-transaction approval "
            f"< {BUNDLE_S:g} s and < {BUNDLE_PEAK_MB} MB",
            f"{figures['bundle_seconds']:.2f} s, {_fmt(peak, ' MB', 0)} more memory at its peak, "
            f"{figures['bundle_bytes'] / 1e6:.1f} MB file of {figures['bundle_entries']:,} "
            f"entries; inclusion proof of {figures['bundle_proof_hashes']} hashes in a tree of "
            f"{figures['bundle_tree_size']:,}; offline verifier: {figures['bundle_verdict']} "
            f"in {figures['bundle_verify_seconds']:.2f} s",
            figures["bundle_seconds"] < BUNDLE_S
            and (peak is None or peak < BUNDLE_PEAK_MB)
            and figures["bundle_verdict"] == "valid",
        )
    )
    return rows


def _checkpoint_lines(figures):
    """What signing costs, for the results section: figures, not budgets."""
    if not figures:
        return []
    return [
        "",
        "### Checkpoints",
        "",
        *_table(
            ("signing", "entries", "time", "entries/s", "peak memory"),
            (
                (
                    "the first checkpoint: every entry read, checked and hashed into the tree",
                    f"{figures['entries']:,}",
                    f"{figures['sign_seconds']:.2f} s",
                    f"{figures['sign_per_second']:,.0f}",
                    _fmt(figures["sign_peak_memory_mb"], " MB", 0),
                ),
                (
                    "the next: the stored frontier extended with the new entries",
                    "1,000",
                    f"{figures['sign_new_seconds'] * 1000:.0f} ms",
                    "",
                    "",
                ),
            ),
        ),
    ]


def verdict(met, scale):
    if met is None:
        return "not measured"
    word = "met" if met else "MISSED"
    return word if scale >= 1 else f"{word} (small scale)"


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def markdown(results):
    """The generated section of BENCHMARKS.md, without its markers."""
    meta = results["meta"]
    http = results["http"]
    scale = meta["scale"]
    lines = ["## Results", ""]
    lines += _table(
        ("run", ""),
        (
            ("date", meta["date"]),
            ("machine", f"{meta['cpus']} cores, {meta['memory']} memory"),
            ("software", f"{meta['python']}, {meta['postgres']}"),
            ("scale", scale if scale >= 1 else f"{scale} (the budgets are for scale 1)"),
            ("data", meta["data"]),
            (
                "load",
                f"wrk, {meta['connections']} connections, {meta['duration']} s a round, "
                f"best of {meta['rounds']} rounds; gunicorn, {meta['workers']} sync workers",
            ),
            ("load average", f"{meta['load_start']} at the start, {meta['load_end']} at the end"),
            ("run time", f"{meta['seconds']:.0f} s"),
        ),
    )

    lines += ["", "### Budgets", ""]
    lines += _table(
        ("budget", "figure", "verdict"),
        ((label, figure, verdict(met, scale)) for label, figure, met in targets(results)),
    )

    floor = http.get("floor")
    rows = []
    for key, label in LOADS:
        figures = http.get(key)
        if _skipped(figures):
            rows.append((label, _why(figures), "", "", "", "", ""))
            continue
        ratio = None if _skipped(floor) else figures["rps"] / floor["rps"]
        rounds = ", ".join(f"{ms:.1f}" for ms in figures.get("rounds_p99_ms", []))
        rows.append(
            (
                label,
                f"{figures['p50_ms']:.1f} ms",
                f"{figures['p99_ms']:.1f} ms",
                f"{figures['rps']:,.0f}",
                _fmt(ratio, "", 2),
                figures["errors"],
                rounds,
            )
        )
    lines += _checkpoint_lines(results.get("checkpoints"))
    lines += ["", "### Over HTTP", ""]
    lines += _table(
        (
            "load",
            "p50",
            "p99",
            "requests/s",
            "requests/s to the floor",
            "errors",
            "p99 of each round (ms)",
        ),
        rows,
    )

    rows = []
    verify = http.get("verify")
    if not _skipped(verify):
        rows.append(
            (
                "verify endpoint p50, bare PIN-hash check p50",
                f"{verify['verify_p50_ms']:.1f} ms, {verify['pin_p50_ms']:.1f} ms "
                f"({verify['samples']} approvals)",
            )
        )
    for b in results.get("bulk_unlock") or []:
        rows.append(
            (
                f"bulk unlock, a batch of {b['size']:,}",
                f"{b['seconds']:.3f} s, {b['queries']} queries ({b['inserts']} audit inserts), "
                f"peak memory {_fmt(b.get('peak_memory_mb'), ' MB', 0)}",
            )
        )
    audit = results.get("audit_verify")
    if audit:
        rows.append(
            (
                "audit verify (verify_chain)",
                f"{audit['entries']:,} entries in {audit['seconds']:.2f} s, ok={audit['ok']}",
            )
        )
        rows.append(
            (
                "audit verify CPU per entry: bench process, PostgreSQL",
                f"{_fmt(audit['client_cpu_us'], ' µs', 2)}, "
                f"{_fmt(audit['server_cpu_us'], ' µs', 2)}",
            )
        )
    for key, label in (
        ("cpu_per_request", "CPU per request in the bench process"),
        ("db_cpu_per_request", "CPU per request in its PostgreSQL backend"),
    ):
        if results.get(key):
            figures = ", ".join(f"{name} {ms:.2f} ms" for name, ms in results[key].items())
            rows.append((label, figures))
    changelist = http.get("changelist")
    if not _skipped(changelist):
        rows.append(
            (
                "audit changelist page load",
                f"median {changelist['p50_ms']:.0f} ms, slowest {changelist['max_ms']:.0f} ms "
                f"({changelist['samples']} loads)",
            )
        )
    lines += ["", "### Other figures", ""]
    lines += _table(("measurement", "figure"), rows)

    rows = []
    for key, label in (("small", "small tenant"), ("big", "big tenant")):
        export = (results.get("csv_export") or {}).get(key)
        if _skipped(export):
            rows.append((label, _why(export), "", "", "", ""))
            continue
        rows.append(
            (
                label,
                f"{export['rows']:,}" + ("" if export["complete"] else " (stopped: too slow)"),
                f"{export['seconds']:.1f} s",
                f"{export['per_second']:,.0f}",
                _fmt(export["peak_memory_mb"], " MB"),
            )
        )
    lines += ["", "### Audit CSV export", ""]
    lines += _table(("tenant", "rows", "time", "rows/s", "peak worker memory"), rows)
    lines += ["", "![p99 per load, bulk unlock, lookups against size](bench/chart.png)"]
    return "\n".join(lines)


def write_section(path, section):
    """Put `section` between the markers of the file at `path`, keeping all else as it is;
    without markers, append them with the section at the end."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    block = f"{START}\n{section}\n{END}\n"
    if START in text and END in text.split(START, 1)[1]:
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1]
        text = head + block + tail.removeprefix("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text)


def chart(results, path):
    http = results["http"]
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(15, 4.5))

    budgets = {
        "open": OPEN_P99_MS,
        "lookup_big": LOOKUP_P99_MS,
        "lookup_small": LOOKUP_P99_MS,
        "admin_lookup_big": ADMIN_LOOKUP_P99_MS,
        "admin_lookup_small": ADMIN_LOOKUP_P99_MS,
    }
    names, values, limits = [], [], []
    for key, label in LOADS:
        figures = http.get(key)
        names.append(label.split(":")[0].replace(" (API)", "").replace(" page", ""))
        values.append(0 if _skipped(figures) else figures["p99_ms"])
        limits.append(budgets.get(key))
    xs = range(len(names))
    left.bar(xs, values, color=["#777777"] + ["#1f77b4"] * (len(names) - 1))
    for x, limit in zip(xs, limits, strict=True):
        if limit:
            left.hlines(limit, x - 0.4, x + 0.4, colors="#d62728")
    left.set_xticks(list(xs), names, rotation=20, ha="right")
    left.set_ylabel("p99 (ms)")
    left.set_title("p99 per load (red: budget; 0: not measured)")

    bulk = results.get("bulk_unlock") or []
    if bulk:
        sizes = [b["size"] for b in bulk]
        middle.plot(sizes, [b["seconds"] for b in bulk], marker="o", label="seconds")
        budget_sizes, budget_seconds = zip(*BULK_BUDGETS, strict=True)
        middle.plot(budget_sizes, budget_seconds, "r_", markersize=14, label="budget")
        middle.set_xscale("log")
        middle.set_xlabel("transactions in the batch")
        middle.set_ylabel("seconds")
        middle.set_ylim(bottom=0)
        twin = middle.twinx()
        twin.plot(sizes, [b["queries"] for b in bulk], marker="s", color="#2ca02c", label="queries")
        twin.set_ylabel("queries")
        twin.set_ylim(0, 1.5 * max(b["queries"] for b in bulk))
        middle.legend(loc="upper left")
        twin.legend(loc="lower right")
    middle.set_title("Bulk unlock against batch size")

    meta = results["meta"]
    sizes = [meta["small_invoices"], meta["big_invoices"]]
    for prefix, label, limit in (
        ("lookup", "lookup (API)", LOOKUP_P99_MS),
        ("admin_lookup", "admin lookup page", ADMIN_LOOKUP_P99_MS),
    ):
        small, big = http.get(f"{prefix}_small"), http.get(f"{prefix}_big")
        if _skipped(small) or _skipped(big):
            continue
        (line,) = right.plot(sizes, [small["p99_ms"], big["p99_ms"]], marker="o", label=label)
        right.axhline(limit, color=line.get_color(), linestyle="--", linewidth=0.8)
    right.set_xscale("log")
    right.set_xlabel("invoices in the tenant")
    right.set_ylabel("p99 (ms)")
    right.set_ylim(bottom=0)
    if right.get_lines():
        right.legend()
    right.set_title("Lookups: p99 against size (dashed: budgets)")

    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
