import prometheus_client as prom
from prometheus_client import Enum as StateEnum
from prometheus_client.metrics import Info
import prometheus_client

INFLIGHT = prom.Gauge("svc_inflight", "In flight")
STATE = StateEnum("svc_state", "State", states=["up", "down"])
BUILD = Info("svc_build", "Build")
SIZES = prometheus_client.Summary("svc_size_bytes", "Sizes")
