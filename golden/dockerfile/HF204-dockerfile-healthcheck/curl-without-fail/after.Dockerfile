FROM nginx:1.27
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD curl -f --silent http://localhost/ >/dev/null || exit 1
FROM nginx:1.27-alpine
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["curl", "--fail", "--max-time", "5", "http://localhost/"]
