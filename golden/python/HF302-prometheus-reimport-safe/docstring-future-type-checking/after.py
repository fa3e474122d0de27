"""Worker metrics.

Imported by the worker and by `python -m worker`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import Counter

if TYPE_CHECKING:
    from collections.abc import Sequence


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


JOBS = _get_or_create_metric(Counter, "worker_jobs_total", "Jobs", ["queue"])


def labels(queues: Sequence[str]) -> list[str]:
    return [JOBS.labels(queue=queue) for queue in queues]
