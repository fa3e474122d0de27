import prometheus_client as prom
from prometheus_client import Enum as StateEnum
from prometheus_client.metrics import Info
import prometheus_client


_metrics = {}


def _get_or_create_metric(cls, name, documentation, **kwargs):
    """Return the metric `name`, creating and registering it only once.

    Importing a module twice (`python -m worker` runs it as `__main__`, and a
    later `import worker` runs it again) registers its metrics twice, and
    prometheus_client raises "Duplicated timeseries in CollectorRegistry".
    """
    key = "_".join(part for part in (kwargs.get("namespace"), kwargs.get("subsystem"), name) if part)
    if key not in _metrics:
        try:
            _metrics[key] = cls(name, documentation, **kwargs)
        except ValueError:
            from prometheus_client import REGISTRY

            registry = kwargs.get("registry") or REGISTRY
            # The registry's private name map: read only to recover the metric
            # the other import of this module registered.
            existing = registry._names_to_collectors.get(key)
            if not isinstance(existing, cls):
                raise
            _metrics[key] = existing
    return _metrics[key]


INFLIGHT = _get_or_create_metric(prom.Gauge, "svc_inflight", "In flight")
STATE = _get_or_create_metric(StateEnum, "svc_state", "State", states=["up", "down"])
BUILD = _get_or_create_metric(Info, "svc_build", "Build")
SIZES = _get_or_create_metric(prometheus_client.Summary, "svc_size_bytes", "Sizes")
