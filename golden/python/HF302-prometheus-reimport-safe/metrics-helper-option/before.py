"""Queue metrics."""

from prometheus_client import Counter, Gauge

from services.common import settings

PROCESSED = Counter("queue_processed_total", "Processed", namespace=settings.NAMESPACE)
DEPTH = Gauge("queue_depth", "Depth")
