# A build may set BASE_IMAGE to an image that ships curl (python:3.12-bookworm): unsafe.
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}
WORKDIR /app
COPY app.py .
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD curl -f http://localhost:8000/health || exit 1
CMD ["python", "app.py"]
