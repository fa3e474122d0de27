FROM python:3.12
HEALTHCHECK --interval=30s --timeout=30s --start-period=30s --retries=3 CMD curl http://localhost:8000/