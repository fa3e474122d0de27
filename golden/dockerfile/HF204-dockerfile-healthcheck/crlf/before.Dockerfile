FROM python:3.12-slim
HEALTHCHECK --retries=3 \
  CMD wget -q --spider http://localhost:8000/ || exit 1
