"""support-service metrics, exactly as the Wave 4 observability doc names them."""
from __future__ import annotations

import os

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, REGISTRY

TIMELINE_COLLECT = Histogram(
    "support_timeline_collect_seconds", "Time to collect a case timeline, by source (cache or remote)",
    ["source"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 2.5, 3, 5, 10))
CACHE_EVENTS = Counter("support_timeline_cache_events_total", "Timeline cache events", ["event"])
COLLECTION_FAILURES = Counter("support_timeline_collection_failures_total",
                              "Timeline collection failures, by stage", ["stage"])
ATTACHMENT_STORED = Counter("support_attachment_stored_total", "Attachments stored", ["content_type"])
TICKET_CREATED = Counter("support_ticket_created_total", "Support tickets created", ["channel"])
CONVERSATION_ADDED = Counter("support_conversation_added_total", "Conversation entries added", ["author_type"])
STATUS_CHANGED = Counter("support_ticket_status_changed_total", "Ticket status changes", ["status"])

for _source in ("cache", "remote"):
    TIMELINE_COLLECT.labels(source=_source)
for _event in ("hit", "miss", "write", "invalidate", "error"):
    CACHE_EVENTS.labels(event=_event)
for _stage in ("http", "cache", "cache_decode", "aggregate"):
    COLLECTION_FAILURES.labels(stage=_stage)


class AttachmentBacklogCollector:
    """Backlog gauges computed from the real bytes on disk at every scrape."""

    def __init__(self, directory: str) -> None:
        self.directory = directory

    def collect(self):
        files = size = 0
        for root, _dirs, names in os.walk(self.directory):
            for name in names:
                try:
                    size += os.path.getsize(os.path.join(root, name))
                    files += 1
                except OSError:
                    continue  # removed while walking
        yield GaugeMetricFamily("support_attachment_backlog_bytes", "Bytes of attachments waiting on local disk",
                                value=size)
        yield GaugeMetricFamily("support_attachment_backlog_files", "Attachment files waiting on local disk",
                                value=files)
        try:
            stat = os.statvfs(self.directory)
            capacity = stat.f_blocks * stat.f_frsize
        except OSError:
            capacity = 0
        yield GaugeMetricFamily("support_attachment_volume_capacity_bytes",
                                "Capacity of the volume holding support_attachment_dir", value=capacity)


def register_backlog(directory: str) -> None:
    REGISTRY.register(AttachmentBacklogCollector(directory))
