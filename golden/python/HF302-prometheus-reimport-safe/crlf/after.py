from typing import Any, TypeVar

from prometheus_client import Counter

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


ERRORS = _get_or_create_metric(
    Counter,
    "svc_errors_total",
    "Errors",
)
