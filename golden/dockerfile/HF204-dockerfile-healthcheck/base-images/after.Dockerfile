# A stage on Alpine has busybox's wget and no curl: a plain-HTTP curl probe becomes a wget one.
FROM alpine:3.20 AS proxy
RUN apk add --no-cache nginx
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD wget -q -O /dev/null --header "Host: localhost:8080" http://127.0.0.1:8080/ || exit 1

# Debian's images ship neither curl, wget nor python3, and this build installs none of them.
FROM debian:bookworm-slim AS worker
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD curl -f http://localhost:9000/health || exit 1

# Ubuntu's neither, but this build installs python3, which requests the URL.
FROM ubuntu:22.04 AS app
RUN apt-get update && apt-get install -y python3 && rm -rf /var/lib/apt/lists/*
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD python3 -c "import sys, urllib.request as u; p = u.HTTPErrorProcessor(); p.http_response = p.https_response = lambda q, r: r; sys.exit(u.build_opener(p).open('http://localhost:8000/').status >= 400)" || exit 1

# busybox's wget may lack TLS: an https probe is left as it is.
FROM busybox:1.36 AS static
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD curl -f https://localhost:8443/ || exit 1

# Installed by the build: nothing to say.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD curl -f http://localhost:8000/ || exit 1
