FROM python:3.12-slim
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=30s --start-period=30s --retries=3 CMD python3 -c "import urllib.request; urllib.request.urlopen('http://localhost:8000/healthz')" || exit 1
