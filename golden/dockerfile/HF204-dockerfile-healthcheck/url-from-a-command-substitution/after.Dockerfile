# The unquoted `$(hostname)` is no URL a rewrite can carry: it would cut the word where
# the substitution starts. Quoted, it stays in double quotes and runs as before.
FROM python:3.12-slim AS unquoted
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD curl -f http://$(hostname):8000/health || exit 1

FROM python:3.12-slim
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD python3 -c "import sys, urllib.request as u; p = u.HTTPErrorProcessor(); p.http_response = p.https_response = lambda q, r: r; sys.exit(u.build_opener(p).open('http://$(hostname):8000/health').status >= 400)" || exit 1
