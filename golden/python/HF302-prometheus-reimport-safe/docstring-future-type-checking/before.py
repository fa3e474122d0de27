"""Worker metrics.

Imported by the worker and by `python -m worker`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import Counter

if TYPE_CHECKING:
    from collections.abc import Sequence

JOBS = Counter("worker_jobs_total", "Jobs", ["queue"])


def labels(queues: Sequence[str]) -> list[Counter]:
    return [JOBS.labels(queue=queue) for queue in queues]
