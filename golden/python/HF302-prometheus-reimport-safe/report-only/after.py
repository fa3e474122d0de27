from prometheus_client import REGISTRY, Counter, Gauge


def start_worker() -> None:
    global JOBS
    JOBS = Counter("worker_jobs_total", "Jobs", ["queue"])


class Exporter:
    def __init__(self, prefix: str) -> None:
        self.up = Gauge("exporter_up", "Whether the exporter is up", registry=REGISTRY)
        self.scrapes = Counter(f"{prefix}_scrapes_total", "Scrapes")  # a factory: one name per prefix


ON_DEMAND = [lambda: Counter("on_demand_total", "Created on demand")]


# Returning early when metrics are off is no test of whether the metric exists.
def jobs_metric(enabled: bool):
    if not enabled:
        return None
    return Counter("svc_jobs_total", "Jobs")
