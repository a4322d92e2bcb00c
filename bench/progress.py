"""Progress lines while the bench runs: stage, count, percent, rate."""

import sys
import time


def say(message):
    print(message, file=sys.stderr, flush=True)


class Progress:
    """Prints a line per tenth of a long stage; silent when `out` is None."""

    def __init__(self, label, total, out=say):
        self.label, self.total, self.out = label, max(total, 1), out
        self.done = 0
        self.started = time.monotonic()

    def advance(self, n):
        before = 10 * self.done // self.total
        self.done += n
        # A line per tenth of the stage at most.
        if self.out is None or 10 * self.done // self.total == before:
            return
        elapsed = max(time.monotonic() - self.started, 1e-9)
        self.out(
            f"  {self.label}: {self.done:,}/{self.total:,} "
            f"({100 * self.done / self.total:.0f}%, {self.done / elapsed:,.0f}/s)"
        )
