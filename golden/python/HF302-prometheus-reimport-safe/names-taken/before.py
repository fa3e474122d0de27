"""Metrics with a cache and a helper of their own."""

from prometheus_client import Counter, Gauge

_metrics: dict[str, Gauge] = {}


def _get_or_create_metric(name: str) -> Gauge:
    """The module's own helper: one gauge per name, created on first use."""
    if name not in _metrics:
        _metrics[name] = Gauge(name, "Created on demand")
    return _metrics[name]


_Metric = "a name the module uses for something else"
REQUESTS = Counter("app_requests_total", "Requests", ["path"])
