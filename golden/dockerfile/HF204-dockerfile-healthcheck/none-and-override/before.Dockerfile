FROM python:3.12-slim AS base
HEALTHCHECK CMD wget -q --spider http://localhost/

FROM base
# No healthcheck: the orchestrator probes this one.
HEALTHCHECK NONE
