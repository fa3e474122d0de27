FROM registry.example.com/platform/base:2.3
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD wget -q --spider http://localhost:8080/ || exit 1
