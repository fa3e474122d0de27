FROM python:3.12-slim
EXPOSE 8000
HEALTHCHECK --interval=10s CMD wget -q --spider http://localhost:8000/healthz || exit 1
