"""The outbox's figures for /metrics, read from the database at each scrape: how many
messages wait, are due or failed, and how old the oldest unsent one is, by kind."""

from prometheus_client.core import GaugeMetricFamily

from core.metrics import NAMESPACE
from notifications.selectors import outbox_figures


class OutboxCollector:
    def collect(self):
        figures = outbox_figures()
        messages = GaugeMetricFamily(
            f"{NAMESPACE}_outbox_messages",
            "Outbox messages by kind and status: pending (not sent yet), due (pending and "
            "due now), failed (given up).",
            labels=["kind", "status"],
        )
        oldest = GaugeMetricFamily(
            f"{NAMESPACE}_outbox_oldest_unsent_age_seconds",
            "Age of the oldest message not sent yet, by kind; 0 when none waits.",
            labels=["kind"],
        )
        for kind, age in figures["oldest_pending_seconds_by_kind"].items():
            for status in ("pending", "due", "failed"):
                messages.add_metric([kind, status], figures[kind][status])
            oldest.add_metric([kind], age or 0)
        yield messages
        yield oldest


outbox = OutboxCollector()
