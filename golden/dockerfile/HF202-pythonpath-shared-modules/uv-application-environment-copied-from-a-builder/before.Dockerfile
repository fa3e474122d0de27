# An application as `uv init` writes it: a pyproject.toml without `[build-system]`, whose
# `uv sync --no-editable` installs only its dependencies into /app/.venv, not the
# project: the runtime stage's script imports `shop` from the copied source tree alone.
FROM ghcr.io/astral-sh/uv:python3.12-bookworm-slim AS builder
WORKDIR /app
COPY . /app
RUN uv sync --no-dev --no-editable

FROM python:3.12-slim-bookworm
COPY --from=builder /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH
WORKDIR /app
COPY shop/ ./shop/
CMD ["python", "shop/api/main.py"]
