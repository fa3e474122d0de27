"""Shop metrics, through `prometheus_client.core`."""

import prometheus_client.core
from prometheus_client.core import Counter
from prometheus_client.core import Gauge as PoolGauge

# Registered as shop_web_http_latency_seconds.
LATENCY = prometheus_client.core.Histogram(
    "http_latency", "Latency", ["method", "route"], "shop", "web", "seconds"
)
# A counter's _total is dropped and the unit appended: shop_http_response_bytes.
SENT = Counter("http_response_total", "Bytes sent", ["route"], namespace="shop", unit="bytes")


class Pool:
    size = PoolGauge("pool_size", "Connections", subsystem="db")

    def grow(self) -> None:
        self.size.inc()
