# syntax=docker/dockerfile:1.7
# pmoves-api: built from the repository root (docker-compose: context: ., dockerfile: services/pmoves-api/Dockerfile)
ARG PYTHON_VERSION=3.12

FROM python:${PYTHON_VERSION}-slim AS build
WORKDIR /build
COPY services/pmoves-api/requirements.txt .
RUN --mount=type=cache,target=/root/.cache/pip \
    pip wheel --wheel-dir /wheels -r requirements.txt

FROM python:${PYTHON_VERSION}-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NATS_URL=nats://nats:4222 \
    SUPABASE_URL=http://supabase_kong_pmoves.ai:8000
RUN groupadd --system pmoves \
    && useradd --system --gid pmoves --home-dir /app pmoves \
    && mkdir -p /data
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY services/common /app/services/common
COPY services/pmoves-api/ /app/
COPY --chmod=0755 services/pmoves-api/entrypoint.sh /usr/local/bin/entrypoint.sh
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=30s --start-period=30s --retries=3 CMD python3 -c "import urllib.request; urllib.request.urlopen('http://localhost:8080/healthz')" || exit 1
# NOTE: Do NOT set USER here - entrypoint drops to pmoves via su
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
