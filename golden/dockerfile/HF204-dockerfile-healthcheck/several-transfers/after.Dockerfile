# curl's -m bounds each transfer: three URLs may take 15 s, so the timeout written is Docker's own.
FROM python:3.12
HEALTHCHECK --interval=30s --timeout=30s --start-period=30s --retries=3 CMD ["curl", "-fs", "-m", "5", "http://localhost:8000/a", "http://localhost:8000/b", "http://localhost:8000/c"]
CMD ["python", "-m", "http.server", "8000"]
