"""Each endpoint's best round stands for it, and every round is shown."""

from bench.__main__ import _best_round
from bench.report import _rounds_note


def test_the_best_round_by_throughput_stands_with_every_rounds_figure():
    rounds = [{"rps": 390.0, "p50_ms": 19.6}, {"rps": 452.0, "p50_ms": 16.1}]

    best = _best_round(rounds)

    assert best["rps"] == 452.0 and best["p50_ms"] == 16.1
    assert best["rounds_rps"] == [390.0, 452.0]


def test_a_skipped_endpoint_stays_skipped():
    skipped = {"skipped": "wrk is not installed"}
    assert _best_round([skipped, skipped]) == skipped


def test_the_note_names_every_rounds_figure():
    results = {
        "http": {
            "floor": {"rps": 452.0, "rounds_rps": [390.0, 452.0]},
            "open": {"rps": 230.0, "rounds_rps": [230.0, 201.0]},
            "verify": {"verify_p50_ms": 120.0},
        }
    }

    [note] = _rounds_note(results)

    assert "in 2 rounds" in note
    assert "floor 390, 452; open 230, 201" in note


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
