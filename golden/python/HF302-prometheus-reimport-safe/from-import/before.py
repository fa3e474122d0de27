import os

from prometheus_client import REGISTRY, Counter, Histogram, start_http_server

REQUEST_COUNTER = Counter("svc_requests_total", "Total", labelnames=("status",))
# Latency of every request, in seconds.
LATENCY = Histogram(
    "svc_latency_seconds",  # seconds
    "Latency",
    registry=REGISTRY,
)


def serve() -> None:
    start_http_server(int(os.environ.get("METRICS_PORT", "9100")))
