"""Metrics with a cache and a helper of their own."""

from typing import Any, TypeVar

from prometheus_client import Counter, Gauge

_HardenfixMetric = TypeVar("_HardenfixMetric")


def _hardenfix_get_or_create_metric(
    cls: "type[_HardenfixMetric]",
    *args: Any,
    **kwargs: Any,
) -> "_HardenfixMetric":
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
            metric: _HardenfixMetric = existing
            return metric
        raise


_metrics: dict[str, Gauge] = {}


def _get_or_create_metric(name: str) -> Gauge:
    """The module's own helper: one gauge per name, created on first use."""
    if name not in _metrics:
        _metrics[name] = Gauge(name, "Created on demand")
    return _metrics[name]


_Metric = "a name the module uses for something else"
REQUESTS = _hardenfix_get_or_create_metric(Counter, "app_requests_total", "Requests", ["path"])
