import contextlib
import functools
from collections import Counter

import prometheus_client
from prometheus_client import REGISTRY, CollectorRegistry, Gauge, Summary
from prometheus_client import Histogram as _Histogram  # noqa: F401

WORDS = Counter("hello world".split())

# Created anew with each import of the module, or never registered.
PRIVATE_REGISTRY = CollectorRegistry()
ISOLATED = Gauge("svc_isolated", "On the module's own registry", registry=PRIVATE_REGISTRY)
SCRATCH = Gauge("svc_scratch", "Never registered", registry=None)
BATCH = prometheus_client.Counter("svc_batch_total", "On a fresh registry", registry=CollectorRegistry())


class DynamicCollectorRegistry(CollectorRegistry):
    """A subclass of the registry (synapse's, which it registers in the default one)."""


CACHE_REGISTRY = DynamicCollectorRegistry()
CACHE_SIZE = Gauge("svc_cache_size", "On a registry of a subclass", ["name"], registry=CACHE_REGISTRY)

# Guarded: a second registration is caught, or never attempted.
try:
    UPTIME = Gauge("svc_uptime_seconds", "Uptime")
except ValueError:
    UPTIME = REGISTRY._names_to_collectors["svc_uptime_seconds"]

with contextlib.suppress(ValueError):
    LOAD = Gauge("svc_load", "Load")

if "svc_queue_depth" not in REGISTRY._names_to_collectors:
    QUEUE_DEPTH = Gauge("svc_queue_depth", "Queue depth")

if __name__ == "__main__":
    RUNS = prometheus_client.Counter("svc_runs_total", "Runs of the script")

_cache: dict[str, Summary] = {}


def summary(name: str) -> Summary:
    if name not in _cache:
        _cache[name] = Summary("svc_fixed_summary", "Cached by name")
    return _cache[name]


@functools.lru_cache(maxsize=None)
def errors() -> prometheus_client.Counter:
    return prometheus_client.Counter("svc_errors_total", "Errors")


def report(registry: CollectorRegistry) -> None:
    Gauge("svc_report", "On the caller's registry", registry=registry).set(1)


def snapshot() -> CollectorRegistry:
    registry = CollectorRegistry()
    Gauge("svc_snapshot", "On a registry of its own", registry=registry).set(1)
    return registry


def make_counter(name: str) -> prometheus_client.Counter:
    return prometheus_client.Counter(name, "Built on demand: a factory")


class Metrics:
    def __init__(self) -> None:
        self.events = prometheus_client.Counter("svc_events_total", "Events")


_METRICS: Metrics | None = None


def metrics() -> Metrics:
    global _METRICS
    if _METRICS is None:
        _METRICS = Metrics()
    return _METRICS


class SingletonMeta(type):
    _instances: dict[type, object] = {}

    def __call__(cls, *args, **kwargs):
        if cls not in cls._instances:
            cls._instances[cls] = super().__call__(*args, **kwargs)
        return cls._instances[cls]


class Exporter(metaclass=SingletonMeta):
    def __init__(self) -> None:
        self.scrapes = prometheus_client.Counter("svc_scrapes_total", "Scrapes")


def gauge(name: str) -> Gauge:
    existing = REGISTRY._names_to_collectors.get("svc_gauge")
    return existing if existing is not None else Gauge("svc_gauge", "Looked up first")


# A function that returns the metric registered already before it creates one (mlserver's
# dispatcher).
def queue_size_metric() -> _Histogram:
    if "svc_queue_size" in REGISTRY._names_to_collectors:
        return REGISTRY._names_to_collectors["svc_queue_size"]
    return _Histogram("svc_queue_size", "Requests queued for workers")


# Each instance registers on its own registry unless its caller gives one (ray's dashboard).
class DashboardMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry: CollectorRegistry = registry or CollectorRegistry(auto_describe=True)
        self.requests = Gauge("svc_dashboard_requests", "Requests", registry=self.registry)
