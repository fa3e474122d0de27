FROM clickhouse/clickhouse-server:24.8.4.13 AS olap
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD wget -q -O /dev/null --header "Host: localhost:8123" http://127.0.0.1:8123/ping || exit 1

FROM python:slim AS api
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:8000/healthz')"]

FROM python:3.12-slim AS copied
COPY --from=olap /usr/bin/wget /opt/tools/
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD wget -q --spider http://localhost:8000/healthz

FROM python:3.12-slim
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["python", "-c", "import urllib.request as r; r.urlopen('http://localhost:8000/healthz')"]
