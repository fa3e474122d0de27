"""Metrics of the server; another package may define them first."""

from prometheus_client import Gauge, Histogram, Info

try:
    from legacy_server.version import version_info as legacy_version
except ImportError:
    legacy_version = None


if legacy_version is not None and legacy_version < (7,):
    # The legacy server registers these already: they are shared, not created again.
    from legacy_server.metrics import REQUEST_SECONDS, RUNNING_KERNELS
else:
    REQUEST_SECONDS = Histogram(
        "http_request_duration_seconds",
        "duration in seconds for all HTTP requests",
        ["method", "handler", "status_code"],
    )
    RUNNING_KERNELS = Gauge("kernel_currently_running_total", "kernels running, by type", ["type"])

SERVER_INFO = Info("server", "Server version")
