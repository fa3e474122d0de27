"""Metrics a mypy plugin checks, with the calls it may not check marked at the parenthesis."""

from prometheus_client import Gauge, Histogram

# A process-level metric: mypy's `type: ignore` sits after the parenthesis.
gc_time = Histogram(  # type: ignore[missing-server-name-label]
    "python_gc_time",
    "Time taken to GC (sec)",
    ["gen"],
)
build_info = Gauge(  # a comment of the call

    # what the first argument is
    "app_build_info",
    "Build information",
)
