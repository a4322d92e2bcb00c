"""The work queue's chart of requests per day, drawn as inline SVG on the server.

No image service and no script: the page carries the bars as shapes, so the chart works
offline and under the site's Content-Security-Policy (its colours are classes in
console.css, as the policy allows no inline style).
"""

from dataclasses import dataclass, field
from datetime import timedelta

from unlocks.models import RequestStatus

# Bottom to top in each bar, and the legend's order.
OUTCOMES = [
    (RequestStatus.COMPLETED, "Completed"),
    (RequestStatus.REFUSED, "Refused"),
    (RequestStatus.CANCELLED, "Cancelled"),
    (RequestStatus.EXPIRED, "Expired"),
    (RequestStatus.PENDING, "Pending"),
]

SLOT = 20  # width of one day, in the drawing's units
BAR = 14
PLOT_HEIGHT = 100
TOP = 14  # room for the scale above the bars
BOTTOM = 18  # room for the dates below


@dataclass
class Segment:
    outcome: str
    count: int
    y: float
    height: float


@dataclass
class Day:
    day: object
    x: int
    center: int
    total: int
    summary: str
    counts: list = field(default_factory=list)  # per outcome, in OUTCOMES' order
    segments: list = field(default_factory=list)
    label: str = ""


@dataclass
class Chart:
    days: list
    totals: list  # (outcome, label, count over the whole period)
    peak: int
    width: int
    height: int
    baseline: int

    @property
    def label_y(self):
        return self.height - 4

    @property
    def empty(self):
        return not any(d.total for d in self.days)


def per_day(counts, *, today, days=30):
    """The chart of `counts` (day -> {outcome: n}) for the `days` days up to `today`."""
    first = today - timedelta(days=days - 1)
    peak = max([sum(c.values()) for c in counts.values()] or [0]) or 1
    scale = PLOT_HEIGHT / peak
    baseline = TOP + PLOT_HEIGHT
    drawn = []
    for i in range(days):
        day = first + timedelta(days=i)
        of_day = counts.get(day, {})
        total = sum(of_day.values())
        words = ", ".join(f"{of_day[o]} {label.lower()}" for o, label in OUTCOMES if of_day.get(o))
        bar = Day(
            day=day,
            x=i * SLOT + (SLOT - BAR) // 2,
            center=i * SLOT + SLOT // 2,
            total=total,
            summary=f"{day:%Y-%m-%d}: {words or 'no requests'}",
            # A date under today's bar and under each a week before it.
            label=f"{day:%m-%d}" if (days - 1 - i) % 7 == 0 else "",
            counts=[of_day.get(o, 0) for o, _ in OUTCOMES],
        )
        top = baseline
        for outcome, _ in OUTCOMES:
            n = of_day.get(outcome, 0)
            if n:
                height = n * scale
                top -= height
                bar.segments.append(Segment(outcome, n, round(top, 2), round(height, 2)))
        drawn.append(bar)
    totals = [
        (outcome, label, sum(c.get(outcome, 0) for d, c in counts.items() if d >= first))
        for outcome, label in OUTCOMES
    ]
    return Chart(
        days=drawn,
        totals=totals,
        peak=peak,
        width=days * SLOT,
        height=TOP + PLOT_HEIGHT + BOTTOM,
        baseline=baseline,
    )
