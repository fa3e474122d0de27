from prometheus_client import Counter

ERRORS = Counter(
    "svc_errors_total",
    "Errors",
)
