# escape=`
FROM nginx:1.27
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD curl `
    http://localhost/ && curl -sS -f --fail-with-body `
    http://localhost/status
