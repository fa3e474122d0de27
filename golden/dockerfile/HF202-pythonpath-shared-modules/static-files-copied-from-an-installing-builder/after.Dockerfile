# The builder installs the project only to collect its static files: the runtime stage
# copies those, not the environment, and imports the package from its source tree.
FROM python:3.12 AS assets
WORKDIR /build
COPY . .
RUN pip install --no-cache-dir . && python -m shop.core.collect /build/static

FROM python:3.12-slim
COPY --from=assets /build/static /app/static
WORKDIR /app
ENV PYTHONPATH=/app${PYTHONPATH:+:$PYTHONPATH}
COPY shop/core/ ./shop/core/
CMD ["python", "-m", "shop.core.worker"]
