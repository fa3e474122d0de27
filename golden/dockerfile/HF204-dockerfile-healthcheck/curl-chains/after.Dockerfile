FROM nginx:1.27 AS web
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD curl -fsS http://localhost/ && curl -sS --fail-with-body http://localhost/status || exit 1

FROM nginx:1.27-alpine AS api
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["curl","-sS","--fail-with-body","http://localhost:8080/"]

FROM nginx:1.27 AS checked
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD curl --silent --fail http://localhost/ | grep -q ok

FROM nginx:1.27 AS chained
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD curl -f -sS http://localhost/a && curl -f --silent http://localhost/b
