"""Metrics in the Prometheus text format: messages in and out, answer latency, errors, queues.

Each process exposes its own ``/metrics`` (the WhatsApp channel on the Rasa server at
``/webhooks/whatsapp/metrics``, the inbox and the maintenance process at ``/metrics``);
Prometheus scrapes them all.
Labels never carry personal data.
"""

from __future__ import annotations

from typing import Tuple

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# Sportello's own registry: only these metrics, not the client library's process defaults.
REGISTRY = CollectorRegistry()

MESSAGES_IN = Counter(
    "sportello_whatsapp_messages_in",
    "WhatsApp messages received (first delivery), by type",
    ["type"],
    registry=REGISTRY,
)
DUPLICATES = Counter("sportello_whatsapp_duplicates", "WhatsApp messages delivered again by Meta", registry=REGISTRY)
WEBHOOKS_REFUSED = Counter(
    "sportello_whatsapp_webhooks_refused", "Webhook requests refused, by reason", ["reason"], registry=REGISTRY
)
MESSAGES_OUT = Counter(
    "sportello_whatsapp_messages_out", "WhatsApp messages sent through the outbox", registry=REGISTRY
)
SEND_FAILURES = Counter(
    "sportello_whatsapp_send_failures", "Graph API refusals of a send, by kind", ["kind"], registry=REGISTRY
)
ANSWER_SECONDS = Histogram(
    "sportello_whatsapp_answer_seconds",
    "From a message's arrival to the end of its answer",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
    registry=REGISTRY,
)
ERRORS = Counter("sportello_errors", "Unexpected errors, by place", ["place"], registry=REGISTRY)
OUTBOX_BACKLOG = Gauge("sportello_whatsapp_outbox_backlog", "Messages waiting in the outbox", registry=REGISTRY)
MAINTENANCE_LAST_PASS = Gauge(
    "sportello_maintenance_last_success_timestamp_seconds",
    "When the maintenance process last completed a pass (Unix time)",
    registry=REGISTRY,
)
HANDOFF_QUEUE = Gauge("sportello_handoff_queue", "Handed-over conversations, by status", ["status"], registry=REGISTRY)


def exposition() -> Tuple[bytes, str]:
    """The current metrics and their content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
