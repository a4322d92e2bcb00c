"""The report: a verdict per budget, tables only, written between the markers."""

import copy

import pytest

from bench import report


def _load(p50, p99, rps):
    return {"p50_ms": p50, "p99_ms": p99, "rps": rps, "errors": 0, "rounds_p99_ms": [p99]}


FULL = {
    "meta": {
        "date": "2026-12-02 10:00 UTC",
        "cpus": 2,
        "memory": "23Gi",
        "python": "Python 3.11.7",
        "postgres": "PostgreSQL 15.20",
        "scale": 1.0,
        "duration": 10,
        "connections": 8,
        "workers": 4,
        "rounds": 3,
        "data": "bench-big: 1,000,000 invoices; bench-small: 10,000 invoices",
        "big_invoices": 1_000_000,
        "small_invoices": 10_000,
        "load_start": "1.0, 1.0, 1.0",
        "load_end": "2.0, 2.0, 2.0",
        "seconds": 480.0,
    },
    "http": {
        "floor": _load(20.0, 36.0, 330.0),
        "open": _load(33.0, 54.0, 230.0),
        "lookup_big": _load(10.8, 20.5, 700.0),
        "lookup_small": _load(10.3, 19.0, 710.0),
        "admin_lookup_big": _load(88.0, 157.0, 83.0),
        "admin_lookup_small": _load(85.0, 150.0, 85.0),
        "verify": {"samples": 80, "verify_p50_ms": 190.0, "pin_p50_ms": 168.0},
        "changelist": {"samples": 10, "p50_ms": 93.0, "max_ms": 120.0},
    },
    "audit_verify": {
        "entries": 1_000_000,
        "ok": True,
        "seconds": 10.0,
        "per_second": 100_000.0,
        "client_cpu_us": 8.0,
        "server_cpu_us": 2.0,
    },
    "bulk_unlock": [
        {"size": 100, "seconds": 0.15, "queries": 17, "inserts": 1, "peak_memory_mb": 180.0},
        {"size": 10_000, "seconds": 1.2, "queries": 21, "inserts": 5, "peak_memory_mb": 210.0},
        {"size": 100_000, "seconds": 8.8, "queries": 67, "inserts": 51, "peak_memory_mb": 690.0},
    ],
    "checkpoints": {
        "entries": 1_000_000,
        "sign_seconds": 9.0,
        "sign_per_second": 111_000.0,
        "sign_peak_memory_mb": 300.0,
        "verify_new_entries": 1_000,
        "verify_seconds": 0.05,
        "sign_new_seconds": 0.06,
        "bundle_transactions": 10_000,
        "bundle_seconds": 1.5,
        "bundle_peak_memory_mb": 90.0,
        "bundle_bytes": 9_000_000,
        "bundle_entries": 10_003,
        "bundle_tree_size": 1_010_000,
        "bundle_proof_hashes": 30,
        "bundle_verdict": "valid",
        "bundle_verify_seconds": 0.9,
    },
    "cpu_per_request": {"floor": 3.4, "lookup": 1.9, "open": 5.2},
    "db_cpu_per_request": None,
    "csv_export": {
        "small": {
            "rows": 10_000,
            "complete": True,
            "seconds": 0.2,
            "per_second": 50_000.0,
            "peak_memory_mb": 90.0,
        },
        "big": {
            "rows": 1_000_000,
            "complete": True,
            "seconds": 12.0,
            "per_second": 83_000.0,
            "peak_memory_mb": 100.0,
        },
    },
}


def _verdicts(results):
    return {label: met for label, _, met in report.targets(results)}


def test_every_budget_of_a_full_run_is_judged_and_met():
    verdicts = _verdicts(FULL)

    assert len(verdicts) == 16
    assert all(met is True for met in verdicts.values()), verdicts


@pytest.mark.parametrize(
    ("change", "budget"),
    [
        (lambda r: r["http"]["open"].update(p99_ms=151.0), "open p99 ≤ 150 ms"),
        (
            lambda r: (
                r["http"]["lookup_big"].update(p99_ms=61.0),
                r["http"]["lookup_small"].update(p99_ms=60.0),
            ),
            "lookup (API) p99 ≤ 60 ms",
        ),
        (
            lambda r: r["http"]["lookup_big"].update(p99_ms=23.0),
            "lookup (API) p99 grows ≤ 20% from 10,000 to 1,000,000 invoices",
        ),
        (
            lambda r: (
                r["http"]["admin_lookup_big"].update(p99_ms=201.0),
                r["http"]["admin_lookup_small"].update(p99_ms=190.0),
            ),
            "admin lookup page p99 ≤ 200 ms",
        ),
        (
            lambda r: r["http"]["admin_lookup_small"].update(p99_ms=120.0),
            "admin lookup page p99 grows ≤ 20% from 10,000 to 1,000,000 invoices",
        ),
        (
            lambda r: r["http"]["verify"].update(verify_p50_ms=198.1),
            "verify p50 ≤ bare PIN-hash check + 30 ms",
        ),
        (
            lambda r: r["bulk_unlock"][1].update(seconds=1.6),
            "bulk unlock of 10,000 transactions ≤ 1.5 s",
        ),
        (
            lambda r: r["bulk_unlock"][-1].update(seconds=10.1),
            "bulk unlock of 100,000 transactions ≤ 10 s",
        ),
        (
            lambda r: r["bulk_unlock"][-1].update(peak_memory_mb=1025.0),
            "bulk unlock peak memory ≤ 1,024 MB",
        ),
        (
            lambda r: r["bulk_unlock"][-1].update(queries=68),
            "bulk unlock: the same queries at every size but its audit inserts",
        ),
        (
            lambda r: r["audit_verify"].update(per_second=59_999.0),
            "audit verify ≥ 60,000 entries/s in one pass",
        ),
        (
            lambda r: r["audit_verify"].update(ok=False),
            "audit verify ≥ 60,000 entries/s in one pass",
        ),
        (
            lambda r: r["checkpoints"].update(verify_seconds=1.0),
            "verify from a checkpoint with 1,000 new entries < 1 s",
        ),
        (
            lambda r: r["checkpoints"].update(bundle_seconds=5.0),
            "evidence bundle of a 10,000-transaction approval < 5 s and < 100 MB",
        ),
        (
            lambda r: r["checkpoints"].update(bundle_peak_memory_mb=100.0),
            "evidence bundle of a 10,000-transaction approval < 5 s and < 100 MB",
        ),
        (
            lambda r: r["checkpoints"].update(bundle_verdict="invalid"),
            "evidence bundle of a 10,000-transaction approval < 5 s and < 100 MB",
        ),
        (
            lambda r: r["csv_export"]["big"].update(per_second=39_000.0),
            "CSV export ≥ 40,000 rows/s",
        ),
        (
            lambda r: r["csv_export"]["small"].update(peak_memory_mb=200.0),
            "CSV export peak memory < 200 MB whatever the size",
        ),
        (
            lambda r: r["http"]["changelist"].update(p50_ms=300.0),
            "audit changelist < 300 ms",
        ),
    ],
)
def test_a_figure_beyond_its_budget_misses_that_budget_only(change, budget):
    results = copy.deepcopy(FULL)
    change(results)

    verdicts = _verdicts(results)

    assert verdicts[budget] is False
    assert [label for label, met in verdicts.items() if met is not True] == [budget]


def test_a_load_that_was_not_available_is_not_measured_rather_than_missed():
    results = copy.deepcopy(FULL)
    skipped = {"skipped": "not available: GET /admin/unlocks/lookup/ answered 404"}
    results["http"]["admin_lookup_big"] = skipped

    rows = {label: (figure, met) for label, figure, met in report.targets(results)}

    assert rows["admin lookup page p99 ≤ 200 ms"] == (skipped["skipped"], None)
    growth = "admin lookup page p99 grows ≤ 20% from 10,000 to 1,000,000 invoices"
    assert rows[growth][1] is None


def test_a_small_run_says_its_verdicts_are_at_small_scale_and_leaves_the_100000_unmeasured():
    results = copy.deepcopy(FULL)
    results["meta"].update(scale=0.01, big_invoices=10_000, small_invoices=100)
    results["bulk_unlock"] = [
        {"size": 1, "seconds": 0.1, "queries": 17, "inserts": 1, "peak_memory_mb": 150.0}
    ]

    text = report.markdown(results)

    assert "| open p99 ≤ 150 ms | 54.0 ms | met (small scale) |" in text
    assert (
        "| bulk unlock of 100,000 transactions ≤ 10 s | largest measured: 1 in 0.10 s "
        "| not measured |" in text
    )
    assert "grows ≤ 20% from 100 to 10,000 invoices" in text


def test_the_ratio_to_the_floor_is_shown_as_information():
    text = report.markdown(FULL)

    assert "| open: POST /api/v1/unlock-requests/ | 33.0 ms | 54.0 ms | 230 | 0.70 | 0 |" in text


def test_the_section_holds_tables_headings_and_the_chart_only():
    for line in report.markdown(FULL).splitlines():
        assert line == "" or line.startswith(("|", "#", "![")), line


def test_the_section_replaces_only_what_lies_between_the_markers(tmp_path):
    path = tmp_path / "BENCHMARKS.md"
    path.write_text(
        "# Benchmarks\n\nWritten by hand.\n\n"
        f"{report.START}\nold figures\n{report.END}\n\nA closing line by hand.\n"
    )

    report.write_section(path, "new figures")

    assert path.read_text() == (
        "# Benchmarks\n\nWritten by hand.\n\n"
        f"{report.START}\nnew figures\n{report.END}\n\nA closing line by hand.\n"
    )


def test_a_file_without_markers_gets_the_section_at_its_end(tmp_path):
    path = tmp_path / "BENCHMARKS.md"
    path.write_text("# Benchmarks\n\nWritten by hand.\n")

    report.write_section(path, "figures")
    report.write_section(path, "figures again")

    assert path.read_text() == (
        f"# Benchmarks\n\nWritten by hand.\n\n{report.START}\nfigures again\n{report.END}\n"
    )


def test_it_draws_the_chart(tmp_path):
    path = tmp_path / "chart.png"

    report.chart(FULL, path)

    assert path.read_bytes().startswith(b"\x89PNG")
