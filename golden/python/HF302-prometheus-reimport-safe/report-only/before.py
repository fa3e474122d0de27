from prometheus_client import CollectorRegistry, Counter, Gauge

CUSTOM = CollectorRegistry()
PRIVATE = Counter("svc_private_total", "Not registered", registry=None)
ISOLATED = Gauge("svc_isolated", "Custom registry", registry=CUSTOM)


def make_counter(name: str) -> Counter:
    return Counter(name, "Built on demand")


class Metrics:
    hits = Counter("svc_hits_total", "Hits")
