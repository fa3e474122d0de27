# uv's multi-stage recipe: `uv sync --no-editable` installs a copy of the project into
# /app/.venv, which the runtime stage copies.
FROM ghcr.io/astral-sh/uv:python3.12-bookworm-slim AS builder
WORKDIR /app
COPY . /app
RUN uv sync --no-dev --no-editable

FROM python:3.12-slim-bookworm
COPY --from=builder /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH
WORKDIR /app
COPY shop/core/ ./shop/core/
CMD ["shop"]
