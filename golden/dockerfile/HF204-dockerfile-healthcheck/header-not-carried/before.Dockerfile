FROM python:3.12-slim
EXPOSE 8000
# another tool would not send the header: no replacement
HEALTHCHECK --interval=10s --timeout=5s --retries=3 --start-period=30s CMD curl -fsS -H "X-Probe: 1" http://localhost:8000/healthz || exit 1
