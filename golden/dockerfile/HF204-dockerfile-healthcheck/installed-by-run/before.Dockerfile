FROM python:3.12-slim AS base
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*

FROM base
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD curl -sf http://localhost:8000/ || exit 1
