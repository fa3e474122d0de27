# The compose file builds with EXTRA_PACKAGES=curl: the probe works, and a replacement would
# be another check. Unsafe.
FROM python:3.12-slim AS api
ARG EXTRA_PACKAGES=""
RUN apt-get update && apt-get install -y --no-install-recommends tini ${EXTRA_PACKAGES} \
    && rm -rf /var/lib/apt/lists/*
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD curl -f http://localhost:8000/health || exit 1

# A build argument in a package's name picks a release, never another package. Safe.
FROM python:3.12-slim AS worker
ARG PG_MAJOR=15
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client-${PG_MAJOR}
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD python3 -c "import sys, urllib.request as u; p = u.HTTPErrorProcessor(); p.http_response = p.https_response = lambda q, r: r; sys.exit(u.build_opener(p).open('http://localhost:8001/health').status >= 400)" || exit 1

# The probe is inherited by a stage that installs the listed packages. Unsafe.
FROM python:3.12-slim AS web-base
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD curl -f http://localhost:8002/health || exit 1

FROM web-base AS web
ARG EXTRA_PACKAGES=""
RUN apt-get update && apt-get install -y --no-install-recommends ${EXTRA_PACKAGES}
