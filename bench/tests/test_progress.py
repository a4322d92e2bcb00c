"""Progress lines: at most one per tenth of a stage, the last one at its end."""

from bench.progress import Progress


def test_it_says_a_line_per_tenth_of_the_stage():
    lines = []
    progress = Progress("verify", 80, out=lines.append)

    for _ in range(80):
        progress.advance(1)

    assert len(lines) == 10
    assert lines[-1].startswith("  verify: 80/80 (100%")


def test_it_says_nothing_without_an_output():
    Progress("bulk", 4, out=None).advance(4)
