FROM python:3.12-slim
HEALTHCHECK --retries=3 --interval=30s --timeout=30s --start-period=30s \
  CMD python3 -c "import urllib.request; urllib.request.urlopen('http://localhost:8000/')" || exit 1
