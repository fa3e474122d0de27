# `uv sync` installs the project editable: the copied /build/.venv only points at
# /build, which the runtime stage does not have; the package is found through the path.
FROM ghcr.io/astral-sh/uv:python3.12-bookworm-slim AS builder
WORKDIR /build
COPY . .
RUN uv sync --no-dev

FROM python:3.12-slim-bookworm
COPY --from=builder /build/.venv /build/.venv
ENV PATH=/build/.venv/bin:$PATH
WORKDIR /app
ENV PYTHONPATH=/app${PYTHONPATH:+:$PYTHONPATH}
COPY shop/core/ ./shop/core/
CMD ["python", "-m", "shop.core.worker"]
