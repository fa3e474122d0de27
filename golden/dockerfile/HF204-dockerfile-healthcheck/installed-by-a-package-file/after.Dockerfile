# apt-get installs what the vendor's package depends on too, which may be curl: whether the
# image ships it is not known. No fix.
FROM python:3.12-slim
COPY vendor-agent_1.0_all.deb /tmp/
RUN apt-get update && apt-get install -y /tmp/vendor-agent_1.0_all.deb && rm -rf /var/lib/apt/lists/*
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD curl -f http://localhost:8000/health || exit 1
