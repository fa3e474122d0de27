try:
    from prometheus_client import Counter
except ImportError:  # metrics are optional

    def Counter(*args, **kwargs):  # noqa: N802
        return None


REQUESTS = Counter("api_requests_total", "Requests served")
