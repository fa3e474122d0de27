FROM python:3.12-slim AS base
HEALTHCHECK --interval=30s --timeout=30s --start-period=30s --retries=3 CMD python3 -c "import urllib.request; urllib.request.urlopen('http://localhost/')"

FROM base
# No healthcheck: the orchestrator probes this one.
HEALTHCHECK NONE
