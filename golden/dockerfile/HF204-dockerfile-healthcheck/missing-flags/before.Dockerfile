FROM python:3.12
HEALTHCHECK CMD curl -fs http://localhost:8000/healthz || exit 1
