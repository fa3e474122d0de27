# The compose file builds python:3.12-bookworm, which ships curl: the probe works, and a
# replacement would be another check. Unsafe.
ARG VARIANT=slim
ARG PYTHON_VERSION=3.12
FROM python:3.12-${VARIANT} AS api
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD curl -f http://localhost:8000/health || exit 1

# A build argument may change the release, never the variant: slim lacks curl. Safe.
FROM python:${PYTHON_VERSION}-slim AS worker
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD python3 -c "import sys, urllib.request as u; p = u.HTTPErrorProcessor(); p.http_response = p.https_response = lambda q, r: r; sys.exit(u.build_opener(p).open('http://localhost:8001/health').status >= 400)" || exit 1
