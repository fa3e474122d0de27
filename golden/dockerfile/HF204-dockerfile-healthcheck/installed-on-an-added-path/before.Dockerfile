# Tools built into /opt/tools (curl among them), put on the PATH by `ENV PATH`: the image has
# curl: its probe runs as it is, and no other tool's request stands in for curl's.
FROM debian:bookworm-slim AS tools
COPY build-tools.sh /
RUN /build-tools.sh /opt/tools

# busybox's applets in a folder of their own, as distroless images take them.
FROM busybox:1.36-musl AS busybox
RUN mkdir /rootfs && busybox --install -s /rootfs

FROM python:3.12-slim AS api
COPY --from=tools /opt/tools /opt/tools
ENV PATH=/opt/tools/bin:$PATH
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD curl -f http://localhost:8000/ || exit 1

FROM python:3.12-slim AS metrics
COPY --from=busybox /rootfs /busybox
ENV PATH="/busybox:${PATH}"
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD wget -q -O /dev/null http://localhost:9100/metrics

# A virtualenv's `bin` holds console scripts, never curl: the probe is replaced.
FROM python:3.12-slim AS builder
RUN python -m venv /opt/env && /opt/env/bin/pip install flask

FROM python:3.12-slim
COPY --from=builder /opt/env /opt/env
ENV PATH=/opt/env/bin:$PATH
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD curl -f http://localhost:8000/ || exit 1
