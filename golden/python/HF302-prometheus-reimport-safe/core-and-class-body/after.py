"""Shop metrics, through `prometheus_client.core`."""

from typing import Any, TypeVar

import prometheus_client.core
from prometheus_client.core import Counter
from prometheus_client.core import Gauge as PoolGauge

_Metric = TypeVar("_Metric")


def _get_or_create_metric(
    cls: "type[_Metric]",
    *args: Any,
    **kwargs: Any,
) -> "_Metric":
    """Create the Prometheus metric `cls(*args, **kwargs)`, or return the same
    metric when another import of this module registered it already.

    A module imported twice (`python -m worker` runs it as `__main__`, and a
    later `import worker` runs it again) creates its metrics twice, and
    prometheus_client refuses the second: "Duplicated timeseries in
    CollectorRegistry". Inserted by hardenfix: `hardenfix explain HF302`.
    """
    try:
        return cls(*args, **kwargs)
    except ValueError as error:
        if "Duplicated timeseries" not in str(error):
            raise
        import inspect

        arguments = inspect.signature(cls).bind(*args, **kwargs)
        arguments.apply_defaults()
        registry = arguments.arguments["registry"]
        # Created again unregistered, to learn the names it registers under.
        arguments.arguments["registry"] = None
        created: Any = cls(*arguments.args, **arguments.kwargs)
        # The registry's private name map, under the names it files the metric
        # under: the one way to look a metric up. (Older prometheus_client files a
        # counter `x` only as `x_total` and `x_created`, not as `x`.)
        collectors = registry._names_to_collectors
        names = [name for name in registry._get_names(created) if name in collectors]
        existing: Any = collectors[names[0]] if names else None
        if (
            type(existing) is type(created)
            and existing.describe() == created.describe()
            and existing._labelnames == created._labelnames
        ):
            metric: _Metric = existing
            return metric
        raise


# Registered as shop_web_http_latency_seconds.
LATENCY = _get_or_create_metric(
    prometheus_client.core.Histogram,
    "http_latency", "Latency", ["method", "route"], "shop", "web", "seconds"
)
# A counter's _total is dropped and the unit appended: shop_http_response_bytes.
SENT = _get_or_create_metric(Counter, "http_response_total", "Bytes sent", ["route"], namespace="shop", unit="bytes")


class Pool:
    size = _get_or_create_metric(PoolGauge, "pool_size", "Connections", subsystem="db")

    def grow(self) -> None:
        self.size.inc()
