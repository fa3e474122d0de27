"""Queue metrics."""

from prometheus_client import Counter, Gauge

from services.common import settings
from services.common.metrics import get_or_create_metric

PROCESSED = get_or_create_metric(Counter, "queue_processed_total", "Processed", namespace=settings.NAMESPACE)
DEPTH = get_or_create_metric(Gauge, "queue_depth", "Depth")
