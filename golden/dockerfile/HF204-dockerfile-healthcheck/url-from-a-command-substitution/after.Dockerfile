# The unquoted `$(hostname)` is no URL a rewrite can carry: it would cut the word where
# the substitution starts. Quoted, it stays in double quotes and runs as before.
FROM python:3.12-slim AS unquoted
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD curl -f http://$(hostname):8000/health || exit 1

FROM python:3.12-slim
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD python3 -c "import urllib.request; urllib.request.urlopen('http://$(hostname):8000/health')" || exit 1
