"""Each load's least disturbed round stands for it, and every round is shown."""

from bench.__main__ import _best_round


def test_the_round_with_the_lowest_p99_stands_with_every_rounds_figures():
    rounds = [
        {"rps": 452.0, "p50_ms": 16.1, "p99_ms": 41.0},
        {"rps": 390.0, "p50_ms": 19.6, "p99_ms": 35.5},
    ]

    best = _best_round(rounds)

    assert (best["rps"], best["p50_ms"], best["p99_ms"]) == (390.0, 19.6, 35.5)
    assert best["rounds_p99_ms"] == [41.0, 35.5]
    assert best["rounds_rps"] == [452.0, 390.0]


def test_a_skipped_load_stays_skipped():
    skipped = {"skipped": "not available: GET /admin/x/ answered 404"}
    assert _best_round([skipped, skipped]) == skipped


def test_the_verify_pool_is_approved_round_after_round_each_round_locked_again(monkeypatch):
    from bench import measure
    from bench.plan import TenantPlan

    tplan = TenantPlan(
        "t", invoices=300, payments=60, batches=10, audit_entries=1, requests=1, verify_pool=3
    )
    events = []
    monkeypatch.setattr(measure, "relock_verify_pool", lambda plan: events.append("relock"))

    for number in measure.pool_rounds(tplan, 2):
        events.append(number)

    first = tplan.verify_numbers
    assert len(first) == 3
    assert events == ["relock", *first, "relock", *first]
