"""Prometheus metrics for `GET /metrics`: what was handled, sent, and what waits in the outbox.

Counters and histograms live in the process (prometheus_client's registry); the outbox's
backlog is read from the store at each scrape, so it is right across several workers too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

from storage import Run, Store

HANDLED = Counter(
    "minga_inbound_handled_total",
    "Inbound messages handled, by channel and kind",
    ["channel", "kind"],
)
REDELIVERED = Counter(
    "minga_inbound_redelivered_total", "Redelivered inbound messages dropped", ["channel"]
)
FLOODED = Counter(
    "minga_inbound_flooded_total",
    "Messages dropped because their sender was over the burst limit",
    ["channel"],
)
HANDLING = Histogram(
    "minga_inbound_handling_seconds",
    "Time from taking a participant's lock to the commit",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
SENT = Counter(
    "minga_outbox_sends_total", "Outbox sends, by channel and outcome", ["channel", "outcome"]
)
BACKLOG = Gauge("minga_outbox_rows", "Outbox rows by status (read at scrape time)", ["status"])
RUNS = Counter(
    "minga_flow_runs_total", "Flow runs started and completed, by flow", ["flow", "event"]
)
SCHEDULER_LAG = Gauge(
    "minga_scheduler_lag_seconds",
    "How long the oldest due scheduled start or check-in step has waited (read at scrape time)",
)

CONTENT_TYPE = CONTENT_TYPE_LATEST


def count_runs(runs: Iterable[Run], now: datetime) -> None:
    """Count the runs a committed message started or completed."""
    for run in runs:
        if run.status == "completed" and run.completed_at == now:
            RUNS.labels(run.flow_id, "completed").inc()
        elif run.started_at == now and run.status == "active":
            RUNS.labels(run.flow_id, "started").inc()


async def render(store: Store, now: datetime) -> bytes:
    """Refresh the store-backed gauges and return the exposition text."""
    counts = await store.outbox_counts()
    for status in ("pending", "sending", "sent", "held", "failed"):
        BACKLOG.labels(status).set(counts.get(status, 0))
    oldest = await store.oldest_due()
    SCHEDULER_LAG.set(max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
    return generate_latest()
