"""Metrics when prometheus_client is installed, and stand-ins that do nothing when it is not."""

try:
    from prometheus_client import Counter, Info
except ImportError:

    class _NoOpMetric:
        def labels(self, *args, **kwargs):
            return self

        def inc(self, amount=1):
            pass

        def info(self, value):
            pass

    Counter = Info = lambda *args, **kwargs: _NoOpMetric()

APP_INFO = Info("demo_app", "App info")
REQUESTS = Counter("demo_requests_total", "Requests served", ["method"])
